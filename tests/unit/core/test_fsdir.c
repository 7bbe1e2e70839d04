/* fsdir_remove_flat: a folder of files goes whole; a missing folder is fine. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/fsdir.h"

static void test_removes_files_and_folder(void **state)
{
    (void)state;
    char dir[] = "/tmp/ig-fsdir-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[64];
    for (int i = 0; i < 3; i++) {
        snprintf(path, sizeof path, "%s/f%d", dir, i);
        FILE *f = fopen(path, "w");
        assert_non_null(f);
        fputs("x", f);
        fclose(f);
    }
    ig_err err = {0};
    assert_int_equal(fsdir_remove_flat(dir, &err), IG_OK);
    struct stat sb;
    assert_int_not_equal(stat(dir, &sb), 0);
}

static void test_missing_folder_is_ok(void **state)
{
    (void)state;
    ig_err err = {0};
    assert_int_equal(fsdir_remove_flat("/tmp/ig-fsdir-does-not-exist-4821", &err), IG_OK);
}

static void test_subfolder_is_an_error(void **state)
{
    (void)state;
    char dir[] = "/tmp/ig-fsdir-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char sub[64];
    snprintf(sub, sizeof sub, "%s/sub", dir);
    assert_int_equal(mkdir(sub, 0700), 0);
    ig_err err = {0};
    assert_int_equal(fsdir_remove_flat(dir, &err), IG_EIO);
    assert_int_equal(rmdir(sub), 0);
    assert_int_equal(rmdir(dir), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_removes_files_and_folder),
        cmocka_unit_test(test_missing_folder_is_ok),
        cmocka_unit_test(test_subfolder_is_an_error),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
