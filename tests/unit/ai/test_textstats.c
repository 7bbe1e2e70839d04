/* Tests for ai/textstats: the lexicon files and their format, word and sentence counts, fillers
 * and hedges (EN and ZH, "like" as a filler only at a pause), STAR cues, numbers, technical terms
 * (with and without the skills taxonomy), content terms (stemming, synonyms across languages,
 * Chinese pairs and known terms), repetition, and the anchoring that keeps padding from counting. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ai/textstats.h"
#include "parse/skills.h"

typedef struct fixture {
    textstats_lexicon *lx;
    skills_taxonomy *tax;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    ig_err err = {0};
    if (f == NULL || textstats_lexicon_open(&f->lx, &err) != IG_OK) {
        fprintf(stderr, "lexicon: %s\n", err.msg);
        free(f);
        return -1;
    }
    if (skills_taxonomy_load(&f->tax, &err) != IG_OK) {
        fprintf(stderr, "taxonomy: %s\n", err.msg);
        textstats_lexicon_close(f->lx);
        free(f);
        return -1;
    }
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    textstats_lexicon_close(f->lx);
    skills_taxonomy_free(f->tax);
    free(f);
    return 0;
}

/* Analyses s without a taxonomy or reference; the caller frees. */
static textstats an(void **state, const char *s)
{
    fixture *f = *state;
    textstats st;
    ig_err err = {0};
    assert_int_equal(textstats_analyze(f->lx, NULL, NULL, s, strlen(s), &st, &err), IG_OK);
    return st;
}

static size_t count(void **state, const char *s, textstats_class c)
{
    textstats st = an(state, s);
    size_t n = st.count[c];
    textstats_free(&st);
    return n;
}

/* Whether a and b share at least one content term. */
static bool share(void **state, const char *a, const char *b, const skills_taxonomy *tax)
{
    fixture *f = *state;
    textstats x, y;
    ig_err err = {0};
    assert_int_equal(textstats_analyze(f->lx, tax, NULL, a, strlen(a), &x, &err), IG_OK);
    assert_int_equal(textstats_analyze(f->lx, tax, NULL, b, strlen(b), &y, &err), IG_OK);
    bool shared = textstats_overlap(&x, &y) > 0;
    textstats_free(&x);
    textstats_free(&y);
    return shared;
}

static void test_words_and_sentences(void **state)
{
    textstats st = an(state, "We moved the cache to Redis. It cut latency by 30%! Why? Because e.g. reads dominate.");
    assert_int_equal(st.latin_words, 16);
    assert_int_equal(st.cjk_chars, 0);
    assert_int_equal(st.sentences, 4); /* "e.g." does not end one */
    assert_int_equal(st.lang, TEXTSTATS_LANG_EN);
    textstats_free(&st);

    /* Chinese: characters count 1/1.5 word each */
    st = an(state, "我负责后端开发。我们用了缓存！");
    assert_int_equal(st.cjk_chars, 13);
    assert_true(fabs(st.words - 13 / 1.5) < 1e-9);
    assert_int_equal(st.sentences, 2);
    assert_int_equal(st.lang, TEXTSTATS_LANG_ZH);
    textstats_free(&st);

    st = an(state, "我们用 Redis 和 Kafka 做了异步处理");
    assert_int_equal(st.latin_words, 2);
    assert_int_equal(st.cjk_chars, 10);
    assert_int_equal(st.sentences, 1);
    textstats_free(&st);

    /* dotted names and versions stay one word; a line break ends a sentence; bullets are not words */
    st = an(state, "Node.js 18 and C++17 on v1.2.3\n- first point\n2. second point");
    assert_int_equal(st.latin_words, 10);
    assert_int_equal(st.sentences, 3);
    assert_true(st.separators >= 2);
    textstats_free(&st);

    st = an(state, "");
    assert_int_equal(st.units, 0);
    assert_int_equal(st.sentences, 0);
    assert_int_equal(st.lang, TEXTSTATS_LANG_NONE);
    assert_true(st.repetition == 1);
    textstats_free(&st);
}

static void test_fillers_en(void **state)
{
    assert_int_equal(count(state, "Um, so, like, I basically fixed it, you know, uh, quickly.", TEXTSTATS_FILLER), 6);
    /* "like" and "so" are ordinary words away from a pause */
    assert_int_equal(count(state, "I like Python so much that I use it daily.", TEXTSTATS_FILLER), 0);
    assert_int_equal(count(state, "It was like like really slow.", TEXTSTATS_FILLER), 1);
    assert_int_equal(count(state, "We use a kind of cache, actually.", TEXTSTATS_FILLER), 2);
}

static void test_fillers_zh(void **state)
{
    assert_int_equal(count(state, "嗯，那个，然后我就是做了后端。呃，反正其实也还行。", TEXTSTATS_FILLER), 7);
    /* 这个 / 那个 before a noun are demonstratives */
    assert_int_equal(count(state, "这个项目用了那个框架。", TEXTSTATS_FILLER), 0);
    assert_int_equal(count(state, "这个这个项目", TEXTSTATS_FILLER), 1);
}

static void test_hedges(void **state)
{
    assert_int_equal(count(state, "I think it is maybe O(n), probably. I guess I'm not sure.", TEXTSTATS_HEDGE), 5);
    assert_int_equal(count(state, "It is O(n) because each element is visited once.", TEXTSTATS_HEDGE), 0);
    assert_int_equal(count(state, "我觉得可能是内存的问题，大概也许应该重启一下。", TEXTSTATS_HEDGE), 5);
    assert_int_equal(count(state, "瓶颈在数据库连接池。", TEXTSTATS_HEDGE), 0);
}

static void test_star_en(void **state)
{
    const char *s = "When I was at Acme, our team owned checkout. I was responsible for its latency. "
                    "I decided to profile it and I implemented a cache. As a result, p99 dropped from 800 ms "
                    "to 120 ms. I learned to measure first.";
    textstats st = an(state, s);
    assert_true(st.count[TEXTSTATS_SITUATION] >= 1);
    assert_true(st.count[TEXTSTATS_TASK] >= 1);
    assert_true(st.count[TEXTSTATS_ACTION] >= 1);
    assert_true(st.count[TEXTSTATS_RESULT] >= 1);
    assert_true(st.count[TEXTSTATS_REFLECTION] >= 1);
    assert_true(st.fp_actions >= 2);
    assert_true(st.first[TEXTSTATS_SITUATION] < st.first[TEXTSTATS_RESULT]);
    assert_int_equal(st.first_sentence[TEXTSTATS_SITUATION], 0);
    textstats_free(&st);

    st = an(state, "Caching is good. Databases are useful.");
    assert_int_equal(st.count[TEXTSTATS_SITUATION] + st.count[TEXTSTATS_ACTION] + st.count[TEXTSTATS_RESULT], 0);
    assert_int_equal(st.first[TEXTSTATS_RESULT], SIZE_MAX);
    textstats_free(&st);
}

static void test_star_zh(void **state)
{
    const char *s = "当时我们团队的订单接口很慢，我负责优化。我先定位到慢查询，然后我加了联合索引。"
                    "最终延迟从800毫秒降到了120毫秒，提升了六倍多。这件事让我学到要先测量。";
    textstats st = an(state, s);
    assert_true(st.count[TEXTSTATS_SITUATION] >= 1);
    assert_true(st.count[TEXTSTATS_TASK] >= 1);
    assert_true(st.count[TEXTSTATS_ACTION] >= 1);
    assert_true(st.count[TEXTSTATS_RESULT] >= 2);
    assert_true(st.count[TEXTSTATS_REFLECTION] >= 1);
    assert_true(st.fp_actions >= 1);
    textstats_free(&st);
}

static void test_connectives(void **state)
{
    textstats st = an(state, "An index is a sorted structure. It works by keeping keys in a B-tree, so that lookups "
                             "are logarithmic because the tree is shallow. For example, our orders table. The "
                             "trade-off is slower writes. First measure, then index, finally verify.");
    assert_int_equal(st.first_sentence[TEXTSTATS_DEFINITION], 0);
    assert_true(st.count[TEXTSTATS_MECHANISM] >= 1);
    assert_true(st.count[TEXTSTATS_CAUSE] >= 2);
    assert_true(st.count[TEXTSTATS_EXAMPLE] >= 1);
    assert_true(st.count[TEXTSTATS_TRADEOFF] >= 1);
    assert_true(st.count[TEXTSTATS_ORDER] >= 3);
    textstats_free(&st);

    st = an(state, "B+树是一种多路平衡树，因为节点大所以树矮。比如订单表。缺点是写入变慢。首先测量，其次加索引，最后验证。");
    assert_true(st.count[TEXTSTATS_DEFINITION] >= 1);
    assert_true(st.count[TEXTSTATS_CAUSE] >= 2);
    assert_true(st.count[TEXTSTATS_EXAMPLE] >= 1);
    assert_true(st.count[TEXTSTATS_TRADEOFF] >= 1);
    assert_true(st.count[TEXTSTATS_ORDER] >= 3);
    textstats_free(&st);

    assert_true(count(state, "I don't know.", TEXTSTATS_NONANSWER) == 1);
    assert_true(count(state, "不知道，没做过。", TEXTSTATS_NONANSWER) == 2);
}

static void test_numbers(void **state)
{
    textstats st = an(state, "In 2021 we cut latency by 30% from 200ms to 50 ms, about 3.5x faster, for 10,000 users.");
    assert_int_equal(st.numbers, 6);
    assert_int_equal(st.quantities, 5); /* the year is not one */
    assert_int_equal(st.percents, 1);
    assert_true(st.n_number_seen >= 3);
    assert_int_equal(st.number_seen[0].n, 3);
    assert_memory_equal(st.number_seen[0].p, "30%", 3);
    assert_memory_equal(st.number_seen[2].p, "50 ms", 5);
    textstats_free(&st);

    st = an(state, "吞吐提升了三倍，成本节省了百分之二十，2019年上线，团队有十二个人。一个人负责。");
    assert_int_equal(st.quantities, 3); /* 三倍, 百分之二十, 十二个; not the year, not 一个 */
    assert_int_equal(st.percents, 1);
    textstats_free(&st);
}

static void test_tech_terms(void **state)
{
    fixture *f = *state;
    const char *s = "We use PostgreSQL, Redis, k8s and Node.js with gRPC behind an API gateway.";
    textstats st = an(state, s);
    assert_true(st.tech_terms >= 5);
    assert_true(st.n_tech_seen >= 3);
    textstats_free(&st);

    /* shouting is not a list of acronyms */
    st = an(state, "THIS IS A REALLY GREAT ANSWER TO THE QUESTION");
    assert_int_equal(st.tech_terms, 0);
    textstats_free(&st);

    /* known multi-character Chinese terms are one term, not pairs */
    st = an(state, "我们用分布式锁和消息队列。");
    assert_int_equal(st.tech_terms, 2);
    textstats_free(&st);

    /* with the taxonomy, "k8s" and "Kubernetes" are one skill */
    assert_true(share(state, "We deploy on k8s.", "Kubernetes experience", f->tax));
    ig_err err = {0};
    textstats a;
    assert_int_equal(textstats_analyze(f->lx, f->tax, NULL, "熟悉机器学习和Golang", strlen("熟悉机器学习和Golang"), &a, &err),
                     IG_OK);
    assert_true(a.tech_terms >= 2);
    textstats_free(&a);
}

static void test_terms(void **state)
{
    /* light stemming: the forms of a word meet */
    assert_true(share(state, "caching", "the caches", NULL));
    assert_true(share(state, "indexed columns", "an index", NULL));
    assert_true(share(state, "optimization", "we optimized it", NULL));
    assert_true(share(state, "the queries", "a query", NULL));
    /* synonyms, across languages */
    assert_true(share(state, "the DB", "a database", NULL));
    assert_true(share(state, "缓存", "a cache layer", NULL));
    assert_true(share(state, "数据库事务", "database transactions", NULL));
    assert_true(share(state, "response time", "latency", NULL));
    /* function words and the question's wording are not terms */
    assert_false(share(state, "Explain what the of is", "describe the of what", NULL));
    /* Chinese pairs: a shared word is found whatever surrounds it */
    assert_true(share(state, "如何设计索引", "我给订单表加了索引", NULL));
    assert_false(share(state, "垃圾回收", "订单接口", NULL));
    /* hyphenated words count by their parts too */
    assert_true(share(state, "write-heavy tables", "slow writes", NULL));
}

static void test_repetition(void **state)
{
    textstats st = an(state, "Redis Redis Redis Redis Redis Redis Redis Redis Kafka Kafka");
    assert_true(st.repetition < 0.3);
    textstats_free(&st);
    st = an(state, "Indexes speed up reads. Each insert updates every index, so writes slow down.");
    assert_true(st.repetition > 0.8);
    textstats_free(&st);

    /* a sentence said again counts for nothing */
    st = an(state, "We added an index on user id. We added an index on user id. We added an index on user id.");
    assert_int_equal(st.repeated_sentences, 2);
    assert_int_equal(st.counted_sentences, 1);
    textstats_free(&st);
}

/* Only the sentences about the question count: padding adds no words, cues or terms. */
static void test_anchoring(void **state)
{
    fixture *f = *state;
    ig_err err = {0};
    const char *q = "How do database indexes work?";
    const char *real = "An index keeps the column sorted in a B-tree, so a lookup reads a few pages. "
                       "Because of that a query by email went from 2 s to 3 ms.";
    const char *pad = " I really enjoy hiking on weekends. Last summer I walked along the ridge with friends. "
                      "As a result I came back with fresh energy. I also play the guitar.";
    textstats qs, a, b;
    assert_int_equal(textstats_analyze(f->lx, NULL, NULL, q, strlen(q), &qs, &err), IG_OK);
    uint64_t *h = malloc(qs.n_terms * sizeof *h);
    assert_non_null(h);
    for (size_t i = 0; i < qs.n_terms; i++)
        h[i] = qs.terms[i].h;
    textstats_ref ref = {h, qs.n_terms, NULL, 0, false};
    char both[1024];
    snprintf(both, sizeof both, "%s%s", real, pad);
    assert_int_equal(textstats_analyze(f->lx, NULL, &ref, real, strlen(real), &a, &err), IG_OK);
    assert_int_equal(textstats_analyze(f->lx, NULL, &ref, both, strlen(both), &b, &err), IG_OK);
    assert_true(b.words > a.words + 25);
    assert_true(fabs(b.anchored_words - a.anchored_words) < 1e-9);
    assert_int_equal(b.count[TEXTSTATS_RESULT], a.count[TEXTSTATS_RESULT]);
    assert_int_equal(b.count[TEXTSTATS_SITUATION], a.count[TEXTSTATS_SITUATION]);
    assert_int_equal(b.n_terms, a.n_terms);
    assert_true(b.content_terms > a.content_terms);
    textstats_free(&a);
    textstats_free(&b);

    /* nothing anchored: everything counts (relevance, not anchoring, judges such an answer) */
    assert_int_equal(textstats_analyze(f->lx, NULL, &ref, pad + 1, strlen(pad + 1), &a, &err), IG_OK);
    assert_int_equal(a.anchored_sentences, 0);
    assert_true(fabs(a.anchored_words - a.words) < 1e-9);
    textstats_free(&a);
    textstats_free(&qs);
    free(h);
}

static void test_hostile_text(void **state)
{
    fixture *f = *state;
    ig_err err = {0};
    static const char bad[] = "\xff\xfe caching \xc3\x28 \xe4\xb8 索引 \xf0\x9f\x98\x80 % %% ... -- \x00 end";
    textstats st;
    assert_int_equal(textstats_analyze(f->lx, f->tax, NULL, bad, sizeof bad - 1, &st, &err), IG_OK);
    assert_true(st.latin_words >= 2);
    textstats_free(&st);

    /* past the cap, text is not analysed */
    size_t n = TEXTSTATS_MAX_BYTES + 1000;
    char *big = malloc(n);
    assert_non_null(big);
    for (size_t i = 0; i < n; i++)
        big[i] = "ab \xe4\xb8\xad"[i % 6];
    assert_int_equal(textstats_analyze(f->lx, f->tax, NULL, big, n, &st, &err), IG_OK);
    assert_true(st.bytes <= TEXTSTATS_MAX_BYTES);
    textstats_free(&st);
    free(big);
}

static ig_status parse1(const char *text, ig_err *err)
{
    textstats_source src = {"test.txt", str_make(text, strlen(text))};
    textstats_lexicon *lx = NULL;
    ig_status st = textstats_lexicon_parse(&src, 1, &lx, err);
    textstats_lexicon_close(lx);
    return st;
}

static void test_lexicon_format(void **state)
{
    (void)state;
    ig_err err = {0};
    assert_int_equal(parse1("# comment\n\nen\tfiller\tum\nzh\thedge\t可能\r\nen\tresult\treduced ... by <num>\n", &err),
                     IG_OK);
    assert_int_equal(parse1("en\tfiller\tum\nfr\tfiller\teuh\n", &err), IG_EINVAL);
    assert_non_null(strstr(err.msg, "line 2"));
    assert_int_equal(parse1("en\tnosuchclass\tum\n", &err), IG_EINVAL);
    assert_non_null(strstr(err.msg, "unknown class"));
    assert_int_equal(parse1("en filler um\n", &err), IG_EINVAL);
    assert_int_equal(parse1("en\tfiller\tum\textra\n", &err), IG_EINVAL);
    assert_int_equal(parse1("en\tresult\t... by\n", &err), IG_EINVAL);
    assert_int_equal(parse1("en\tresult\tby ...\n", &err), IG_EINVAL);
    assert_int_equal(parse1("en\tfiller\t!!!\n", &err), IG_EINVAL);
    assert_int_equal(parse1("en\tsyn:a\tcache\nen\tsyn:b\tcaching\n", &err), IG_EINVAL);
    assert_non_null(strstr(err.msg, "two synonym groups"));
    assert_int_equal(parse1("en\tsyn:a\tcache\nen\tsyn:a\tcaching\n", &err), IG_OK);
    assert_string_equal(textstats_class_name(TEXTSTATS_KP_RESULT), "kp_result");
    assert_string_equal(textstats_class_name(TEXTSTATS_FILLER), "filler");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_words_and_sentences),
        cmocka_unit_test(test_fillers_en),
        cmocka_unit_test(test_fillers_zh),
        cmocka_unit_test(test_hedges),
        cmocka_unit_test(test_star_en),
        cmocka_unit_test(test_star_zh),
        cmocka_unit_test(test_connectives),
        cmocka_unit_test(test_numbers),
        cmocka_unit_test(test_tech_terms),
        cmocka_unit_test(test_terms),
        cmocka_unit_test(test_repetition),
        cmocka_unit_test(test_anchoring),
        cmocka_unit_test(test_hostile_text),
        cmocka_unit_test(test_lexicon_format),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
