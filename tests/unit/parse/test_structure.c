/* Tests for parse/structure on resumes written here (English and Chinese, the layouts the corpus
 * shows: tab-separated headers, comma runs, dates on the left, tables read column by column,
 * mixed job/project sections): every field of the contract, normalised dates and degrees,
 * canonical skills with their sources, years of experience, and honest confidences. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parse/structure.h"

#define NOW 1764547200 /* 2025-12-01 */

static int setup(void **state)
{
    structure_ctx *ctx = NULL;
    ig_err err;
    if (structure_ctx_open(&ctx, &err) != IG_OK)
        return -1;
    *state = ctx;
    return 0;
}

static int teardown(void **state)
{
    structure_ctx_close(*state);
    return 0;
}

static json_t *structure(void **state, const char *text, json_t *links)
{
    json_t *out = NULL;
    ig_err err;
    assert_int_equal(structure_resume_ctx(*state, text, strlen(text), links, NOW, &out, &err), IG_OK);
    assert_non_null(out);
    return out;
}

static const char *sget(json_t *o, const char *path)
{
    json_t *v = o;
    char key[64];
    while (*path != '\0' && v != NULL) {
        size_t n = strcspn(path, ".");
        memcpy(key, path, n);
        key[n] = '\0';
        if (key[0] >= '0' && key[0] <= '9')
            v = json_array_get(v, (size_t)atoi(key));
        else
            v = json_object_get(v, key);
        path += n + (path[n] == '.');
    }
    return json_string_value(v);
}

static json_t *find_skill(json_t *doc, const char *name)
{
    json_t *skills = json_object_get(doc, "skills");
    for (size_t i = 0; i < json_array_size(skills); i++)
        if (strcmp(json_string_value(json_object_get(json_array_get(skills, i), "name")), name) == 0)
            return json_array_get(skills, i);
    return NULL;
}

static bool has_source(json_t *skill, const char *src)
{
    json_t *a = json_object_get(skill, "sources");
    for (size_t i = 0; i < json_array_size(a); i++)
        if (strcmp(json_string_value(json_array_get(a, i)), src) == 0)
            return true;
    return false;
}

static const char en_resume[] =
    "Maria Lopez\n"
    "Backend Engineer\n"
    "maria.lopez@example.org | +1 (415) 555-0142 | Austin, TX | github.com/mlopez\n"
    "SUMMARY\n"
    "Backend engineer with six years building payment systems in Go, Python and Kafka.\n"
    "EXPERIENCE\n"
    "Paystream Inc.\tAustin, TX\n"
    "Senior Backend Engineer\tMar. 2021 - Present\n"
    "\xE2\x80\xA2 Built a ledger service with Go/PostgreSQL handling 3,000 writes per second\n"
    "\xE2\x80\xA2 Cut p99 latency by 40% with Redis caching\n"
    "Software Developer, Hooli Corp., Palo Alto, CA, Jun 2018 - Feb 2021\n"
    "\xE2\x80\xA2 Maintained Django services and a Kafka pipeline\n"
    "EDUCATION\n"
    "University of Texas at Austin\tAug 2014 - May 2018\n"
    "B.S. in Computer Science; GPA: 3.7/4.0\n"
    "PROJECTS\n"
    "Ledgerlite\tSpring 2020\n"
    "\xE2\x80\xA2 Open-source double-entry library in Rust, see github.com/mlopez/ledgerlite\n"
    "SKILLS\n"
    "Languages: Go, Python, JS, SQL\n"
    "Tools: k8s, Docker, Git and GitHub, Terraform\n"
    "CERTIFICATIONS\n"
    "AWS Certified Developer - Associate\n"
    "LANGUAGES\n"
    "English, Spanish\n";

static void test_en_contact(void **state)
{
    json_t *links = json_pack("[s]", "https://github.com/mlopez");
    json_t *d = structure(state, en_resume, links);
    assert_string_equal(sget(d, "basic_info.name"), "Maria Lopez");
    assert_string_equal(sget(d, "basic_info.email"), "maria.lopez@example.org");
    assert_string_equal(sget(d, "basic_info.phone"), "+1 (415) 555-0142");
    assert_string_equal(sget(d, "basic_info.phone_e164"), "+14155550142");
    assert_string_equal(sget(d, "basic_info.location"), "Austin, TX");
    assert_string_equal(sget(d, "basic_info.github"), "https://github.com/mlopez");
    assert_non_null(strstr(sget(d, "basic_info.summary"), "payment systems"));
    json_t *all = json_object_get(json_object_get(d, "basic_info"), "links");
    assert_int_equal(json_array_size(all), 2); /* the profile and the project, each once */
    json_decref(d);
    json_decref(links);
}

static void test_en_entries(void **state)
{
    json_t *d = structure(state, en_resume, NULL);
    json_t *exp = json_object_get(d, "experience");
    assert_int_equal(json_array_size(exp), 2);
    assert_string_equal(sget(d, "experience.0.company"), "Paystream Inc.");
    assert_string_equal(sget(d, "experience.0.title"), "Senior Backend Engineer");
    assert_string_equal(sget(d, "experience.0.start"), "2021-03");
    assert_string_equal(sget(d, "experience.0.end"), "present");
    assert_string_equal(sget(d, "experience.0.end_raw"), "Present");
    assert_string_equal(sget(d, "experience.0.location"), "Austin, TX");
    /* 2021-03 .. 2025-12 inclusive */
    assert_int_equal(json_integer_value(json_object_get(json_array_get(exp, 0), "duration_months")), 58);
    assert_int_equal(json_array_size(json_object_get(json_array_get(exp, 0), "bullets")), 2);
    /* a comma run: title, company with its suffix, place, dates */
    assert_string_equal(sget(d, "experience.1.company"), "Hooli Corp.");
    assert_string_equal(sget(d, "experience.1.title"), "Software Developer");
    assert_string_equal(sget(d, "experience.1.start"), "2018-06");
    assert_string_equal(sget(d, "experience.1.end"), "2021-02");
    json_t *skills0 = json_object_get(json_array_get(exp, 0), "skills");
    bool go = false, redis = false;
    for (size_t i = 0; i < json_array_size(skills0); i++) {
        go |= strcmp(json_string_value(json_array_get(skills0, i)), "Go") == 0;
        redis |= strcmp(json_string_value(json_array_get(skills0, i)), "Redis") == 0;
    }
    assert_true(go && redis);

    assert_int_equal(json_array_size(json_object_get(d, "education")), 1);
    assert_string_equal(sget(d, "education.0.school"), "University of Texas at Austin");
    assert_string_equal(sget(d, "education.0.degree"), "bachelor");
    assert_string_equal(sget(d, "education.0.degree_raw"), "B.S.");
    assert_string_equal(sget(d, "education.0.major"), "Computer Science");
    assert_string_equal(sget(d, "education.0.gpa"), "3.7/4.0");
    assert_string_equal(sget(d, "education.0.start"), "2014-08");
    assert_string_equal(sget(d, "education.0.end"), "2018-05");

    assert_string_equal(sget(d, "projects.0.name"), "Ledgerlite");
    assert_string_equal(sget(d, "projects.0.start"), "2020");
    assert_string_equal(sget(d, "certifications.0"), "AWS Certified Developer - Associate");
    assert_string_equal(sget(d, "languages.0"), "English, Spanish");
    /* 2018-06 .. present, the two jobs back to back */
    double years = json_real_value(json_object_get(json_object_get(d, "basic_info"), "years_of_experience"));
    assert_true(fabs(years - 7.6) < 0.05);
    json_decref(d);
}

static void test_en_skills(void **state)
{
    json_t *d = structure(state, en_resume, NULL);
    json_t *js = find_skill(d, "JavaScript"); /* "JS" */
    assert_non_null(js);
    assert_true(has_source(js, "skills"));
    assert_string_equal(json_string_value(json_object_get(js, "raw")), "JS");
    assert_non_null(find_skill(d, "Kubernetes")); /* "k8s" */
    assert_non_null(find_skill(d, "Git"));
    assert_non_null(find_skill(d, "GitHub")); /* "Git and GitHub" split */
    json_t *go = find_skill(d, "Go");
    assert_true(has_source(go, "skills") && has_source(go, "experience") && has_source(go, "summary"));
    assert_true(json_integer_value(json_object_get(go, "count")) >= 3);
    json_t *rust = find_skill(d, "Rust"); /* only in a project */
    assert_non_null(rust);
    assert_true(has_source(rust, "projects"));
    assert_false(has_source(rust, "skills"));
    assert_null(find_skill(d, "Spanish")); /* spoken languages are no skills */
    json_decref(d);
}

static const char zh_resume[] =
    "王小明\n"
    "电话：138-0013-8000 · 邮箱：xiaoming@example.cn · 现居：杭州\n"
    "教育背景\n"
    "浙江大学（985）\t2016.09 - 2020.06\n"
    "计算机科学与技术专业 | 本科\n"
    "清华大学\t2020年9月 – 至今\n"
    "在读硕士研究生 软件工程\n"
    "实习/项目经历\n"
    "阿里巴巴集团 杭州\t2021年6月 – 2021年9月\n"
    "后端开发实习生\n"
    "• 使用 Java 和 Spring Boot 重构订单服务，接口延迟降低 35%\n"
    "• 引入 Redis 缓存与 Kafka 消息队列，支撑大促峰值流量\n"
    "分布式日志平台\n"
    "Golang, Elasticsearch\n"
    "2022年3月 – 至今\n"
    "个人项目，基于 k8s 部署\n"
    "• 实现日志采集与检索\n"
    "专业技能\n"
    "• 编程语言：Java、Python、C++\n"
    "• 熟悉 机器学习、深度学习，了解 数据结构 与 算法\n"
    "获奖情况\n"
    "• 国家奖学金（2018）\n";

static void test_zh(void **state)
{
    json_t *d = structure(state, zh_resume, NULL);
    assert_string_equal(sget(d, "basic_info.name"), "王小明");
    assert_string_equal(sget(d, "basic_info.email"), "xiaoming@example.cn");
    assert_string_equal(sget(d, "basic_info.phone_e164"), "+8613800138000");

    assert_int_equal(json_array_size(json_object_get(d, "education")), 2);
    assert_string_equal(sget(d, "education.0.school"), "浙江大学");
    assert_string_equal(sget(d, "education.0.degree"), "bachelor");
    assert_string_equal(sget(d, "education.0.major"), "计算机科学与技术");
    assert_string_equal(sget(d, "education.0.start"), "2016-09");
    assert_string_equal(sget(d, "education.0.end"), "2020-06");
    assert_string_equal(sget(d, "education.1.school"), "清华大学");
    assert_string_equal(sget(d, "education.1.degree"), "master");
    assert_string_equal(sget(d, "education.1.major"), "软件工程");
    assert_string_equal(sget(d, "education.1.end"), "present");
    assert_string_equal(sget(d, "education.1.end_raw"), "至今");

    /* the mixed section: the internship is a job, the personal project a project */
    assert_int_equal(json_array_size(json_object_get(d, "experience")), 1);
    assert_string_equal(sget(d, "experience.0.company"), "阿里巴巴集团");
    assert_string_equal(sget(d, "experience.0.location"), "杭州");
    assert_string_equal(sget(d, "experience.0.title"), "后端开发实习生");
    assert_string_equal(sget(d, "experience.0.start"), "2021-06");
    assert_string_equal(sget(d, "experience.0.end"), "2021-09");
    assert_int_equal(json_array_size(json_object_get(d, "projects")), 1);
    assert_string_equal(sget(d, "projects.0.name"), "分布式日志平台");
    assert_string_equal(sget(d, "projects.0.end"), "present");
    json_t *stack = json_object_get(json_array_get(json_object_get(d, "projects"), 0), "tech_stack");
    bool go = false, k8s = false;
    for (size_t i = 0; i < json_array_size(stack); i++) {
        go |= strcmp(json_string_value(json_array_get(stack, i)), "Go") == 0;
        k8s |= strcmp(json_string_value(json_array_get(stack, i)), "Kubernetes") == 0;
    }
    assert_true(go && k8s);

    assert_true(has_source(find_skill(d, "Machine Learning"), "skills")); /* 机器学习 */
    assert_true(has_source(find_skill(d, "Data Structures"), "skills"));
    assert_true(has_source(find_skill(d, "C++"), "skills"));
    assert_true(has_source(find_skill(d, "Spring Boot"), "experience"));
    assert_string_equal(sget(d, "awards.0"), "国家奖学金（2018）");
    json_decref(d);
}

static void test_layouts(void **state)
{
    /* dates printed left of the title, the end on the next line before prose */
    const char *left = "Ann Li\nann@li.dev\nExperience\n"
                       "June 2020 \xE2\x80\x93 Data Engineer, Initech, Dallas, USA\n"
                       "Present Building batch pipelines on Spark and Airflow for the finance teams every night.\n"
                       "July 2016 \xE2\x80\x93 Analyst, Globex, Dallas, USA\n"
                       "May 2020 Wrote SQL reports and dashboards for the sales organisation and its managers.\n";
    json_t *d = structure(state, left, NULL);
    assert_int_equal(json_array_size(json_object_get(d, "experience")), 2);
    assert_string_equal(sget(d, "experience.0.company"), "Initech");
    assert_string_equal(sget(d, "experience.0.title"), "Data Engineer");
    assert_string_equal(sget(d, "experience.0.end"), "present");
    assert_string_equal(sget(d, "experience.1.end"), "2020-05");
    json_decref(d);

    /* a two-column education table read column by column: dates and places after the schools */
    const char *table = "Bo Chen\nbo@chen.io\nEducation\n"
                        "\xE2\x80\xA2 Stanford University\nMaster of Science in Statistics\n"
                        "\xE2\x80\xA2 Peking University\nBachelor of Science in Mathematics\n"
                        "Stanford, CA\nSep 2015 \xE2\x80\x93 Jun 2017\nBeijing, China\nSep 2011 \xE2\x80\x93 Jul 2015\n";
    d = structure(state, table, NULL);
    assert_int_equal(json_array_size(json_object_get(d, "education")), 2);
    assert_string_equal(sget(d, "education.0.school"), "Stanford University");
    assert_string_equal(sget(d, "education.0.start"), "2015-09");
    assert_string_equal(sget(d, "education.1.school"), "Peking University");
    assert_string_equal(sget(d, "education.1.degree"), "bachelor");
    assert_string_equal(sget(d, "education.1.end"), "2015-07");
    json_decref(d);
}

static double overall(json_t *d)
{
    return json_real_value(json_object_get(json_object_get(d, "confidence"), "overall"));
}

static void test_confidence(void **state)
{
    json_t *good = structure(state, en_resume, NULL);
    json_t *thin = structure(state, "some notes\nabout nothing in particular\n", NULL);
    json_t *empty = structure(state, "", NULL);
    const char *k;
    json_t *v;
    json_object_foreach(json_object_get(good, "confidence"), k, v)
    {
        assert_true(json_real_value(v) >= 0 && json_real_value(v) <= 1);
    }
    assert_true(overall(good) > 0.8);
    assert_true(overall(thin) < 0.3);
    assert_true(overall(good) > overall(thin));
    assert_true(overall(empty) < 0.05);
    assert_null(json_string_value(json_object_get(json_object_get(empty, "basic_info"), "name")));
    assert_int_equal(json_array_size(json_object_get(empty, "experience")), 0);
    json_decref(good);
    json_decref(thin);
    json_decref(empty);
}

static void test_deterministic(void **state)
{
    json_t *a = structure(state, zh_resume, NULL);
    json_t *b = structure(state, zh_resume, NULL);
    assert_true(json_equal(a, b));
    json_decref(a);
    json_decref(b);
}

static void test_hostile_text(void **state)
{
    /* long lines, stray bytes, hundreds of headings and dates: bounded and valid */
    static char buf[200000];
    size_t n = 0;
    for (int i = 0; n + 200 < sizeof buf; i++)
        n += (size_t)snprintf(buf + n, sizeof buf - n, "%s\n\xE2\x80\xA2 x%d\t2019 - 2020\xFF\n",
                              i % 3 == 0 ? "EXPERIENCE" : i % 3 == 1 ? "Education" : "Acme Inc.", i);
    buf[n] = '\0';
    json_t *d = structure(state, buf, NULL);
    assert_true(json_array_size(json_object_get(d, "experience")) <= 40 * 2000);
    char *dump = json_dumps(d, JSON_COMPACT);
    assert_non_null(dump); /* every string is valid UTF-8 */
    free(dump);
    json_decref(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_en_contact), cmocka_unit_test(test_en_entries),    cmocka_unit_test(test_en_skills),
        cmocka_unit_test(test_zh),         cmocka_unit_test(test_layouts),       cmocka_unit_test(test_confidence),
        cmocka_unit_test(test_deterministic), cmocka_unit_test(test_hostile_text),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
