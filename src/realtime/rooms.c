/* A chained hash of rooms; each room a doubly linked list of links, each link also on its member's
 * singly linked list, so joins and leaves are O(1) after the lookup. */
#include "realtime/rooms.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#define INITIAL_BUCKETS 64

typedef struct room room;

struct rooms_link {
    room *room;
    void *member;
    rooms_link *prev, *next; /* in the room */
    rooms_link *mnext;       /* in the member's list */
};

struct room {
    room *hnext;
    uint64_t hash;
    rooms_link *head;
    size_t size;
    size_t n;
    char name[]; /* n bytes + NUL */
};

struct rooms {
    room **buckets;
    size_t nbuckets; /* a power of two */
    size_t count;
    unsigned char key[crypto_shorthash_KEYBYTES];
};

ig_status rooms_new(rooms **out, ig_err *err)
{
    rooms *r = calloc(1, sizeof *r);
    if (r == NULL || (r->buckets = calloc(INITIAL_BUCKETS, sizeof *r->buckets)) == NULL) {
        free(r);
        return status_errf(err, IG_ENOMEM, "out of memory");
    }
    r->nbuckets = INITIAL_BUCKETS;
    crypto_shorthash_keygen(r->key);
    *out = r;
    return IG_OK;
}

void rooms_free(rooms *r)
{
    if (r == NULL)
        return;
    for (size_t i = 0; i < r->nbuckets; i++) {
        room *rm = r->buckets[i];
        while (rm) {
            room *next = rm->hnext;
            for (rooms_link *l = rm->head; l;) {
                rooms_link *ln = l->next;
                free(l);
                l = ln;
            }
            free(rm);
            rm = next;
        }
    }
    free(r->buckets);
    free(r);
}

static uint64_t hash_of(const rooms *r, const char *name, size_t n)
{
    unsigned char h[crypto_shorthash_BYTES];
    crypto_shorthash(h, (const unsigned char *)name, n, r->key);
    uint64_t v;
    memcpy(&v, h, sizeof v);
    return v;
}

static room *find(const rooms *r, const char *name, size_t n, uint64_t h)
{
    for (room *rm = r->buckets[h & (r->nbuckets - 1)]; rm; rm = rm->hnext)
        if (rm->hash == h && rm->n == n && memcmp(rm->name, name, n) == 0)
            return rm;
    return NULL;
}

static void grow(rooms *r)
{
    size_t nb = r->nbuckets * 2;
    room **b = calloc(nb, sizeof *b);
    if (b == NULL)
        return; /* chains get longer; still correct */
    for (size_t i = 0; i < r->nbuckets; i++) {
        for (room *rm = r->buckets[i]; rm;) {
            room *next = rm->hnext;
            rm->hnext = b[rm->hash & (nb - 1)];
            b[rm->hash & (nb - 1)] = rm;
            rm = next;
        }
    }
    free(r->buckets);
    r->buckets = b;
    r->nbuckets = nb;
}

static void room_remove(rooms *r, room *rm)
{
    room **pp = &r->buckets[rm->hash & (r->nbuckets - 1)];
    while (*pp != rm)
        pp = &(*pp)->hnext;
    *pp = rm->hnext;
    r->count--;
    free(rm);
}

ig_status rooms_join(rooms *r, const char *name, size_t n, void *member, rooms_link **list)
{
    if (n == 0 || n > ROOMS_NAME_MAX || memchr(name, '\0', n) != NULL)
        return IG_EINVAL;
    uint64_t h = hash_of(r, name, n);
    room *rm = find(r, name, n, h);
    if (rm != NULL) {
        for (rooms_link *l = *list; l; l = l->mnext)
            if (l->room == rm)
                return IG_OK;
    } else {
        rm = calloc(1, sizeof *rm + n + 1);
        if (rm == NULL)
            return IG_ENOMEM;
        rm->hash = h;
        rm->n = n;
        memcpy(rm->name, name, n);
        if (r->count >= r->nbuckets)
            grow(r);
        room **b = &r->buckets[h & (r->nbuckets - 1)];
        rm->hnext = *b;
        *b = rm;
        r->count++;
    }
    rooms_link *l = calloc(1, sizeof *l);
    if (l == NULL) {
        if (rm->size == 0)
            room_remove(r, rm);
        return IG_ENOMEM;
    }
    l->room = rm;
    l->member = member;
    l->next = rm->head;
    if (rm->head)
        rm->head->prev = l;
    rm->head = l;
    rm->size++;
    l->mnext = *list;
    *list = l;
    return IG_OK;
}

/* Unlinks l from its room (freeing the room when it empties) and frees l. */
static void unlink_link(rooms *r, rooms_link *l)
{
    room *rm = l->room;
    if (l->prev)
        l->prev->next = l->next;
    else
        rm->head = l->next;
    if (l->next)
        l->next->prev = l->prev;
    free(l);
    if (--rm->size == 0)
        room_remove(r, rm);
}

bool rooms_leave(rooms *r, const char *name, size_t n, rooms_link **list)
{
    if (n == 0 || n > ROOMS_NAME_MAX)
        return false;
    room *rm = find(r, name, n, hash_of(r, name, n));
    if (rm == NULL)
        return false;
    for (rooms_link **pp = list; *pp; pp = &(*pp)->mnext) {
        if ((*pp)->room == rm) {
            rooms_link *l = *pp;
            *pp = l->mnext;
            unlink_link(r, l);
            return true;
        }
    }
    return false;
}

void rooms_leave_all(rooms *r, rooms_link **list)
{
    while (*list) {
        rooms_link *l = *list;
        *list = l->mnext;
        unlink_link(r, l);
    }
}

bool rooms_has(const rooms *r, const char *name, size_t n, const void *member)
{
    if (n == 0 || n > ROOMS_NAME_MAX)
        return false;
    room *rm = find(r, name, n, hash_of(r, name, n));
    for (rooms_link *l = rm ? rm->head : NULL; l; l = l->next)
        if (l->member == member)
            return true;
    return false;
}

size_t rooms_count_of(const rooms_link *list)
{
    size_t k = 0;
    for (; list; list = list->mnext)
        k++;
    return k;
}

size_t rooms_each(rooms *r, const char *name, size_t n, void (*fn)(void *member, void *arg), void *arg)
{
    if (n == 0 || n > ROOMS_NAME_MAX)
        return 0;
    room *rm = find(r, name, n, hash_of(r, name, n));
    if (rm == NULL)
        return 0;
    /* fn may remove the current member's link, and with the last one the room itself; the next
     * link (another member's) stays valid, and the count is taken before anything goes */
    size_t total = rm->size;
    for (rooms_link *l = rm->head; l;) {
        rooms_link *next = l->next;
        fn(l->member, arg);
        l = next;
    }
    return total;
}

size_t rooms_size(const rooms *r, const char *name, size_t n)
{
    if (n == 0 || n > ROOMS_NAME_MAX)
        return 0;
    room *rm = find(r, name, n, hash_of(r, name, n));
    return rm ? rm->size : 0;
}

size_t rooms_total(const rooms *r)
{
    return r->count;
}
