/* Tests for core/pool: 16-byte alignment, allocations that never overlap, big one-off blocks,
 * overflowing sizes refused, string helpers, and cleanup hooks run in reverse before the memory
 * goes (ASan reports it if they ran after). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "core/pool.h"

static void test_alignment_and_no_overlap(void **state)
{
    (void)state;
    enum { N = 2000 };
    ig_pool *pool = pool_create();
    assert_non_null(pool);
    unsigned char *ptrs[N];
    size_t sizes[N];
    for (size_t i = 0; i < N; i++) {
        /* a mix of tiny, odd, chunk-sized and over-chunk sizes */
        sizes[i] = (i * 37) % 700 + (i % 97 == 0 ? 5000 : 0) + (i % 13 == 0 ? 2049 : 0);
        ptrs[i] = pool_alloc(pool, sizes[i]);
        assert_non_null(ptrs[i]);
        assert_int_equal((uintptr_t)ptrs[i] % 16, 0);
        memset(ptrs[i], (int)(i & 0xFF), sizes[i]);
    }
    for (size_t i = 0; i < N; i++)
        for (size_t k = 0; k < sizes[i]; k++)
            if (ptrs[i][k] != (unsigned char)(i & 0xFF))
                fail_msg("allocation %zu overwritten at %zu", i, k);
    pool_destroy(pool);
}

static void test_big_allocations(void **state)
{
    (void)state;
    ig_pool *pool = pool_create();
    assert_non_null(pool);
    /* a big block first, then small ones that must not land inside it */
    size_t big = 8u << 20;
    unsigned char *b1 = pool_alloc(pool, big);
    assert_non_null(b1);
    assert_int_equal((uintptr_t)b1 % 16, 0);
    memset(b1, 0xB1, big);
    char *s1 = pool_strdup(pool, "small one");
    /* a big block in the middle keeps the current chunk usable for small ones */
    unsigned char *b2 = pool_alloc(pool, 100000);
    assert_non_null(b2);
    memset(b2, 0xB2, 100000);
    char *s2 = pool_strdup(pool, "small two");
    assert_string_equal(s1, "small one");
    assert_string_equal(s2, "small two");
    for (size_t i = 0; i < big; i += 4096)
        assert_int_equal(b1[i], 0xB1);
    assert_int_equal(b1[big - 1], 0xB1);
    assert_int_equal(b2[99999], 0xB2);
    pool_destroy(pool);
}

static void test_impossible_sizes(void **state)
{
    (void)state;
    ig_pool *pool = pool_create();
    assert_non_null(pool);
    assert_null(pool_alloc(pool, SIZE_MAX));
    assert_null(pool_alloc(pool, SIZE_MAX - 7));
    assert_null(pool_alloc(pool, SIZE_MAX - 20));
    assert_null(pool_calloc(pool, SIZE_MAX - 15));
    /* the pool still works afterwards */
    char *p = pool_strdup(pool, "fine");
    assert_string_equal(p, "fine");
    pool_destroy(pool);
}

static void test_calloc_and_strings(void **state)
{
    (void)state;
    ig_pool *pool = pool_create();
    assert_non_null(pool);
    /* dirty the chunk, then calloc must still hand out zeroes */
    unsigned char *dirty = pool_alloc(pool, 512);
    memset(dirty, 0xFF, 512);
    unsigned char *z = pool_calloc(pool, 1000);
    assert_non_null(z);
    for (size_t i = 0; i < 1000; i++)
        assert_int_equal(z[i], 0);

    char *s = pool_strndup(pool, "abc\0def", 7);
    assert_memory_equal(s, "abc\0def", 8);
    s = pool_strndup(pool, "truncate me", 8);
    assert_string_equal(s, "truncate");
    s = pool_strndup(pool, NULL, 0);
    assert_string_equal(s, "");
    s = pool_strdup(pool, "面试");
    assert_string_equal(s, "面试");
    s = pool_printf(pool, "%s-%d-%05.1f", "id", 42, 3.14159);
    assert_string_equal(s, "id-42-003.1");
    char long_arg[10000];
    memset(long_arg, 'L', sizeof long_arg - 1);
    long_arg[sizeof long_arg - 1] = '\0';
    s = pool_printf(pool, "<%s>", long_arg);
    assert_int_equal(strlen(s), sizeof long_arg + 1);
    assert_int_equal(s[0], '<');
    assert_int_equal(s[sizeof long_arg], '>');
    pool_destroy(pool);
}

typedef struct cleanup_log {
    int order[8];
    int n;
} cleanup_log;

typedef struct cleanup_arg {
    cleanup_log *log;
    int id;
    char *text; /* pool memory: must still be readable when the hook runs */
} cleanup_arg;

static void record(void *arg)
{
    cleanup_arg *a = arg;
    assert_int_equal(a->text[0], (char)('0' + a->id));
    a->log->order[a->log->n++] = a->id;
}

static void test_cleanup_order(void **state)
{
    (void)state;
    cleanup_log log = {{0}, 0};
    ig_pool *pool = pool_create();
    assert_non_null(pool);
    for (int id = 1; id <= 4; id++) {
        cleanup_arg *a = pool_alloc(pool, sizeof *a);
        assert_non_null(a);
        a->log = &log;
        a->id = id;
        a->text = pool_printf(pool, "%d", id);
        /* spread them over several chunks */
        assert_non_null(pool_alloc(pool, 3000));
        assert_int_equal(pool_cleanup_add(pool, record, a), 0);
    }
    assert_int_equal(log.n, 0);
    pool_destroy(pool);
    assert_int_equal(log.n, 4);
    assert_int_equal(log.order[0], 4);
    assert_int_equal(log.order[1], 3);
    assert_int_equal(log.order[2], 2);
    assert_int_equal(log.order[3], 1);
}

static void free_hook(void *arg)
{
    free(*(void **)arg);
}

static void test_cleanup_frees_heap(void **state)
{
    (void)state;
    /* a heap block tied to the pool: LeakSanitizer fails the run if the hook never runs */
    ig_pool *pool = pool_create();
    assert_non_null(pool);
    void **slot = pool_alloc(pool, sizeof *slot);
    *slot = malloc(1000);
    assert_non_null(*slot);
    assert_int_equal(pool_cleanup_add(pool, free_hook, slot), 0);
    pool_destroy(pool);
    pool_destroy(NULL);
    /* a pool never used costs nothing to destroy */
    pool_destroy(pool_create());
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_alignment_and_no_overlap),
        cmocka_unit_test(test_big_allocations),
        cmocka_unit_test(test_impossible_sizes),
        cmocka_unit_test(test_calloc_and_strings),
        cmocka_unit_test(test_cleanup_order),
        cmocka_unit_test(test_cleanup_frees_heap),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
