/* Tests for realtime/rooms: joining (idempotent), leaving one room or all, rooms that disappear
 * when empty, iteration while members leave, many rooms (the table grows), bad names; EN and ZH
 * room names. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "realtime/rooms.h"

typedef struct member {
    int id;
    rooms_link *list;
    int seen;
} member;

#define R(s) (s), strlen(s)

static int setup(void **state)
{
    rooms *r = NULL;
    if (rooms_new(&r, NULL) != IG_OK)
        return -1;
    *state = r;
    return 0;
}

static int teardown(void **state)
{
    rooms_free(*state);
    return 0;
}

static void test_join_leave(void **state)
{
    rooms *r = *state;
    member a = {1, NULL, 0}, b = {2, NULL, 0};
    assert_int_equal(rooms_join(r, R("interview:abc"), &a, &a.list), IG_OK);
    assert_int_equal(rooms_join(r, R("interview:abc"), &a, &a.list), IG_OK); /* once */
    assert_int_equal(rooms_join(r, R("interview:abc"), &b, &b.list), IG_OK);
    assert_int_equal(rooms_join(r, R("user:1"), &a, &a.list), IG_OK);
    assert_int_equal(rooms_join(r, R("面试:你好"), &b, &b.list), IG_OK);
    assert_int_equal(rooms_size(r, R("interview:abc")), 2);
    assert_int_equal(rooms_size(r, R("面试:你好")), 1);
    assert_int_equal(rooms_total(r), 3);
    assert_int_equal(rooms_count_of(a.list), 2);
    assert_true(rooms_has(r, R("interview:abc"), &a));
    assert_false(rooms_has(r, R("user:1"), &b));
    assert_false(rooms_has(r, R("interview:abd"), &a));

    assert_true(rooms_leave(r, R("interview:abc"), &a.list));
    assert_false(rooms_leave(r, R("interview:abc"), &a.list)); /* not in it any more */
    assert_false(rooms_leave(r, R("no-such-room"), &a.list));
    assert_int_equal(rooms_size(r, R("interview:abc")), 1);
    assert_int_equal(rooms_count_of(a.list), 1);

    rooms_leave_all(r, &b.list);
    assert_null(b.list);
    assert_int_equal(rooms_size(r, R("interview:abc")), 0); /* gone with its last member */
    assert_int_equal(rooms_size(r, R("面试:你好")), 0);
    assert_int_equal(rooms_total(r), 1);
    rooms_leave_all(r, &a.list);
    assert_int_equal(rooms_total(r), 0);
}

static void bump(void *m, void *arg)
{
    (void)arg;
    ((member *)m)->seen++;
}

typedef struct leaver {
    rooms *r;
} leaver;

/* Each member visited leaves everything: the iteration must survive it. */
static void leave_all_cb(void *m, void *arg)
{
    leaver *l = arg;
    member *mm = m;
    mm->seen++;
    rooms_leave_all(l->r, &mm->list);
}

static void test_each(void **state)
{
    rooms *r = *state;
    member m[5];
    for (int i = 0; i < 5; i++) {
        m[i] = (member){i, NULL, 0};
        assert_int_equal(rooms_join(r, R("room"), &m[i], &m[i].list), IG_OK);
        assert_int_equal(rooms_join(r, R("other"), &m[i], &m[i].list), IG_OK);
    }
    assert_int_equal(rooms_each(r, R("room"), bump, NULL), 5);
    for (int i = 0; i < 5; i++)
        assert_int_equal(m[i].seen, 1);
    assert_int_equal(rooms_each(r, R("nobody"), bump, NULL), 0);

    leaver l = {r};
    assert_int_equal(rooms_each(r, R("room"), leave_all_cb, &l), 5);
    for (int i = 0; i < 5; i++) {
        assert_int_equal(m[i].seen, 2);
        assert_null(m[i].list);
    }
    assert_int_equal(rooms_total(r), 0);
}

static void test_many_rooms(void **state)
{
    rooms *r = *state;
    static member m[300];
    char name[32];
    for (int i = 0; i < 300; i++) {
        m[i] = (member){i, NULL, 0};
        snprintf(name, sizeof name, "user:%d", i);
        assert_int_equal(rooms_join(r, R(name), &m[i], &m[i].list), IG_OK);
        assert_int_equal(rooms_join(r, R("everyone"), &m[i], &m[i].list), IG_OK);
    }
    assert_int_equal(rooms_total(r), 301);
    for (int i = 0; i < 300; i++) {
        snprintf(name, sizeof name, "user:%d", i);
        assert_int_equal(rooms_size(r, R(name)), 1);
        assert_true(rooms_has(r, R(name), &m[i]));
    }
    assert_int_equal(rooms_each(r, R("everyone"), bump, NULL), 300);
    for (int i = 0; i < 300; i++)
        rooms_leave_all(r, &m[i].list);
    assert_int_equal(rooms_total(r), 0);
}

static void test_bad_names(void **state)
{
    rooms *r = *state;
    member a = {1, NULL, 0};
    char big[ROOMS_NAME_MAX + 2];
    memset(big, 'x', sizeof big);
    assert_int_equal(rooms_join(r, "", 0, &a, &a.list), IG_EINVAL);
    assert_int_equal(rooms_join(r, big, ROOMS_NAME_MAX + 1, &a, &a.list), IG_EINVAL);
    assert_int_equal(rooms_join(r, "a\0b", 3, &a, &a.list), IG_EINVAL);
    assert_int_equal(rooms_join(r, big, ROOMS_NAME_MAX, &a, &a.list), IG_OK);
    assert_int_equal(rooms_size(r, big, ROOMS_NAME_MAX), 1);
    assert_int_equal(rooms_size(r, big, ROOMS_NAME_MAX + 1), 0);
    assert_false(rooms_leave(r, "", 0, &a.list));
    rooms_leave_all(r, &a.list);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_join_leave),
        T(test_each),
        T(test_many_rooms),
        T(test_bad_names),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}
