/* Rooms: named groups of members (opaque pointers: the realtime server's sockets), as Socket.IO's
 * rooms. A room exists while it has members. Each member keeps the list of its own memberships
 * (a rooms_link head the caller stores), so leaving everything on disconnect costs its rooms, not
 * every room. A keyed hash (SipHash) maps names to rooms. Single-threaded: the loop thread. */
#ifndef IG_REALTIME_ROOMS_H
#define IG_REALTIME_ROOMS_H

#include <stdbool.h>
#include <stddef.h>

#include "core/status.h"

#define ROOMS_NAME_MAX 160 /* bytes of a room name */

typedef struct rooms rooms;
typedef struct rooms_link rooms_link; /* one membership; a member's list starts at a rooms_link * */

/* An empty registry; freed by rooms_free (which needs every member to have left). */
ig_status rooms_new(rooms **out, ig_err *err);
void rooms_free(rooms *r);

/* Puts member in the room name (n bytes, 1..ROOMS_NAME_MAX); *list is the member's own list.
 * Joining a room twice is one membership. IG_EINVAL for a bad name, IG_ENOMEM. */
ig_status rooms_join(rooms *r, const char *name, size_t n, void *member, rooms_link **list);
/* Takes the member whose list this is out of the room; false when it was not in it. */
bool rooms_leave(rooms *r, const char *name, size_t n, rooms_link **list);
/* Takes member out of every room it is in (*list becomes NULL). */
void rooms_leave_all(rooms *r, rooms_link **list);
/* True when member is in the room. */
bool rooms_has(const rooms *r, const char *name, size_t n, const void *member);
/* How many rooms a member list holds. */
size_t rooms_count_of(const rooms_link *list);

/* Calls fn(member, arg) for each member of the room and returns how many there were. fn may make
 * the member it is given leave rooms (or all of them), but no other member. */
size_t rooms_each(rooms *r, const char *name, size_t n, void (*fn)(void *member, void *arg), void *arg);
/* Members in the room (0 when there is no such room). */
size_t rooms_size(const rooms *r, const char *name, size_t n);
/* Rooms that exist. */
size_t rooms_total(const rooms *r);

#endif
