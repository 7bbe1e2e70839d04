/* Tests for parse/skills: the shipped taxonomy's integrity, alias canonicalisation (EN and ZH),
 * free-text scanning (word boundaries, longest match, prose flags), splitting of real skills lines,
 * malformed TSV, and scan speed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "parse/skills.h"

static skills_taxonomy *tax;

static int setup(void **state)
{
    (void)state;
    ig_err err = {0};
    if (skills_taxonomy_load(&tax, &err) != IG_OK) {
        fprintf(stderr, "skills_taxonomy_load: %s\n", err.msg);
        return -1;
    }
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    skills_taxonomy_free(tax);
    return 0;
}

/* ---- helpers: results as one comparable string */

typedef struct out {
    char buf[4096];
    size_t n;
    const char *text; /* scanned text, for spans */
} out;

static void put(out *o, const char *s, size_t n)
{
    if (o->n > 0 && o->n + 2 < sizeof o->buf) {
        memcpy(o->buf + o->n, ", ", 2);
        o->n += 2;
    }
    if (o->n + n < sizeof o->buf) {
        memcpy(o->buf + o->n, s, n);
        o->n += n;
    }
    o->buf[o->n] = '\0';
}

/* split items as "Name" when known, "?raw" when not */
static void on_item(const skills_entry *e, const char *item, size_t len, void *arg)
{
    out *o = arg;
    char tmp[512];
    int k = e ? snprintf(tmp, sizeof tmp, "%s", e->name) : snprintf(tmp, sizeof tmp, "?%.*s", (int)len, item);
    put(o, tmp, (size_t)k);
}

/* scan hits as "Name=raw" */
static void on_hit(const skills_entry *e, size_t off, size_t len, void *arg)
{
    out *o = arg;
    char tmp[512];
    int k = snprintf(tmp, sizeof tmp, "%s=%.*s", e->name, (int)len, o->text + off);
    put(o, tmp, (size_t)k);
}

static void check_split(const char *line, const char *want)
{
    out o = {.n = 0};
    o.buf[0] = '\0';
    skills_split_line(tax, line, strlen(line), on_item, &o);
    if (strcmp(o.buf, want) != 0)
        fail_msg("split [%s]\n   got  [%s]\n   want [%s]", line, o.buf, want);
}

static void check_scan(const char *text, const char *want)
{
    out o = {.n = 0, .text = text};
    o.buf[0] = '\0';
    skills_scan(tax, text, strlen(text), on_hit, &o);
    if (strcmp(o.buf, want) != 0)
        fail_msg("scan [%s]\n   got  [%s]\n   want [%s]", text, o.buf, want);
}

static void check_lookup(const char *item, const char *want)
{
    const skills_entry *e = skills_lookup(tax, item, strlen(item));
    if (want == NULL && e != NULL)
        fail_msg("lookup [%s] = %s, want NULL", item, e->name);
    if (want != NULL && (e == NULL || strcmp(e->name, want) != 0))
        fail_msg("lookup [%s] = %s, want %s", item, e ? e->name : "NULL", want);
}

/* ---- the shipped taxonomy */

static void test_integrity(void **state)
{
    (void)state;
    static const char *const required[] = {
        "Python", "Java", "JavaScript", "TypeScript", "C++", "C", "Go", "Rust", "C#", "SQL", "PHP", "Kotlin", "Swift",
        "React", "Vue.js", "Angular", "Node.js", "Spring Boot", "Django", "Flask", "MySQL", "PostgreSQL", "MongoDB",
        "Redis", "Elasticsearch", "AWS", "Docker", "Kubernetes", "Linux", "Git", "Kafka", "CI/CD", "Data Structures",
        "Algorithms", "Operating Systems", "Computer Networks", "Distributed Systems", "Machine Learning",
        "Deep Learning", "PyTorch"};
    static const char *const cats[] = {"language", "frontend", "backend", "mobile", "database", "cloud", "devops",
                                       "data", "ml", "testing", "tool", "os", "security", "cs", "design",
                                       "methodology", "soft", "office", "other"};
    size_t n = skills_taxonomy_count(tax);
    assert_true(n >= 400);
    assert_null(skills_taxonomy_at(tax, n));
    for (size_t i = 0; i < sizeof required / sizeof *required; i++) {
        bool found = false;
        for (size_t k = 0; k < n && !found; k++)
            found = strcmp(skills_taxonomy_at(tax, k)->name, required[i]) == 0;
        if (!found)
            fail_msg("required skill %s is missing", required[i]);
        check_lookup(required[i], required[i]);
    }
    size_t per_cat[sizeof cats / sizeof *cats] = {0};
    for (size_t k = 0; k < n; k++) {
        const skills_entry *e = skills_taxonomy_at(tax, k);
        size_t c = 0;
        while (c < sizeof cats / sizeof *cats && strcmp(cats[c], e->category) != 0)
            c++;
        if (c == sizeof cats / sizeof *cats)
            fail_msg("%s has category %s", e->name, e->category);
        per_cat[c]++;
        /* every canonical name canonicalises to itself */
        const skills_entry *back = skills_lookup(tax, e->name, strlen(e->name));
        if (back != e)
            fail_msg("lookup of %s gives %s", e->name, back ? back->name : "NULL");
    }
    for (size_t c = 0; c < sizeof cats / sizeof *cats; c++)
        if (per_cat[c] == 0)
            fail_msg("no skill in category %s", cats[c]);
}

/* ---- lookup */

static void test_lookup_en(void **state)
{
    (void)state;
    check_lookup("JS", "JavaScript");
    check_lookup("Javascript", "JavaScript");
    check_lookup("ECMAScript", "JavaScript");
    check_lookup("ES6", "JavaScript");
    check_lookup("JavaScript (ES6+)", "JavaScript");
    check_lookup("k8s", "Kubernetes");
    check_lookup(" k8s ", "Kubernetes");
    check_lookup("K8S", "Kubernetes");
    check_lookup("ReactJS", "React");
    check_lookup("React.js", "React");
    check_lookup("Vue", "Vue.js");
    check_lookup("VueJS", "Vue.js");
    check_lookup("Vue3", "Vue.js");
    check_lookup("Node", "Node.js");
    check_lookup("nodejs", "Node.js");
    check_lookup("Node JS", "Node.js");
    check_lookup("cpp", "C++");
    check_lookup("C++17", "C++");
    check_lookup("csharp", "C#");
    check_lookup("C Sharp", "C#");
    check_lookup("Golang", "Go");
    check_lookup("go", "Go");
    check_lookup("Postgres", "PostgreSQL");
    check_lookup("psql", "PostgreSQL");
    check_lookup("LATEX", "LaTeX");
    check_lookup("Latex", "LaTeX");
    check_lookup("ML", "Machine Learning");
    check_lookup("DL", "Deep Learning");
    check_lookup("OS", "Operating Systems");
    check_lookup("Networking", "Computer Networks");
    check_lookup("Excel", "Microsoft Excel");
    check_lookup("Spring-Boot", "Spring Boot");
    check_lookup("SpringBoot", "Spring Boot");
    check_lookup("Spring", "Spring");
    check_lookup("CI/CD", "CI/CD");
    check_lookup("TCP/IP", "TCP/IP");
    check_lookup(".NET", ".NET");
    /* printed decorations */
    check_lookup("• Python,", "Python");
    check_lookup("Angular (versions 2+)", "Angular");
    check_lookup("Python 3", "Python");
    check_lookup("Python 3.10", "Python");
    check_lookup("Python3", "Python");
    check_lookup("Java (Advanced)", "Java");
    check_lookup("Proficient in Java", "Java");
    check_lookup("Advanced Excel", "Microsoft Excel");
    check_lookup("Machine Learning basics", "Machine Learning");
    check_lookup("NoSQL databases", "NoSQL");
    check_lookup("Android Development", "Android");
    check_lookup("RESTful APIs", "REST API");
    check_lookup("Microservices", "Microservices");
    check_lookup("Node.js.", "Node.js");
    /* one typo in a long name, a plural */
    check_lookup("JavaScrip", "JavaScript");
    check_lookup("Kubernets", "Kubernetes");
    check_lookup("Dockers", "Docker");
    /* full-width ASCII */
    check_lookup("\xEF\xBD\x8B\xEF\xBC\x98\xEF\xBD\x93", "Kubernetes"); /* ｋ８ｓ */
    check_lookup("\xEF\xBC\xB0\xEF\xBD\x99\xEF\xBD\x94\xEF\xBD\x88\xEF\xBD\x8F\xEF\xBD\x8E", "Python");
    /* one item only; unknown things */
    check_lookup("C/C++", NULL);
    check_lookup("Git and GitHub", NULL);
    check_lookup("Spanish", NULL);
    check_lookup("", NULL);
    check_lookup("   ", NULL);
    check_lookup("(Advanced)", NULL);
    check_lookup("S", NULL);
    check_lookup("Google", NULL);
    assert_null(skills_lookup(tax, NULL, 3));
    assert_null(skills_lookup(NULL, "Python", 6));
}

static void test_lookup_zh(void **state)
{
    (void)state;
    check_lookup("机器学习", "Machine Learning");
    check_lookup("深度学习", "Deep Learning");
    check_lookup("数据结构", "Data Structures");
    check_lookup("算法", "Algorithms");
    check_lookup("操作系统", "Operating Systems");
    check_lookup("计算机网络", "Computer Networks");
    check_lookup("分布式系统", "Distributed Systems");
    check_lookup("分布式", "Distributed Systems");
    check_lookup("团队合作", "Teamwork");
    check_lookup("沟通", "Communication");
    check_lookup("沟通能力", "Communication");
    check_lookup("领导力", "Leadership");
    check_lookup("问题解决", "Problem Solving");
    check_lookup("C语言", "C");
    check_lookup("C 语言", "C");
    check_lookup("Go语言", "Go");
    check_lookup("熟练掌握Java", "Java");
    check_lookup("熟悉 Redis", "Redis");
    check_lookup("Java开发", "Java");
    check_lookup("Python（熟练）", "Python");
    check_lookup("Python（3年以上）", "Python");
    check_lookup("LLM 微调", "LLM Fine-tuning");
    check_lookup("LLM微调", "LLM Fine-tuning");
    check_lookup("知识图谱构建", "Knowledge Graphs");
    check_lookup("提示工程", "Prompt Engineering");
    check_lookup("微信小程序", "WeChat Mini Program");
    check_lookup("、Docker。", "Docker");
    check_lookup("乐观善良", NULL);
}

/* ---- scan */

static void test_scan_boundaries(void **state)
{
    (void)state;
    /* "Go" is neither in Google nor in "go to", and alone in prose it is a verb */
    check_scan("I go to Google to Go shopping.", "");
    check_scan("Services in Go, Python and C.", "Go=Go, Python=Python, C=C");
    check_scan("We rewrote it in Go last year.", "");
    check_scan("Go 1.21 and Spring 2014", "");
    check_scan("R&D team; R, Python", "R=R, Python=Python");
    check_scan("C, R and Go", "C=C, R=R, Go=Go");
    check_scan("Research and Teaching Assistant. Machine Learning: Research on hedging",
               "Machine Learning=Machine Learning");
    check_scan("Java, Spring and Research", "Java=Java, Spring=Spring, Research=Research");
    /* case-sensitive aliases */
    check_scan("react to incidents, then React and reactjs", "React=React, React=reactjs");
    check_scan("50 ml of water; ML models", "Machine Learning=ML");
    check_scan("excel at it; Excel reports", "Microsoft Excel=Excel");
    /* punctuation belongs to the skill */
    check_scan("C++ and C# on .NET, ASP.NET Core, Objective-C", "C++=C++, C#=C#, .NET=.NET, ASP.NET=ASP.NET Core, "
                                                               "Objective-C=Objective-C");
    check_scan("Node.js services", "Node.js=Node.js");
    check_scan("C/C++", "C=C, C++=C++");
    /* not inside words, file names, URLs or e-mail addresses */
    check_scan("Pythonic javascripty app.js", "");
    check_scan("see https://github.com/me/python-tools, me@python.org, github.com/x/react", "");
    /* a version glued to the name */
    check_scan("Python3, Java8 and YOLOv8n", "Python=Python3, Java=Java8, YOLO=YOLOv8n");
    /* longest match */
    check_scan("Spring Boot and Vue.js with Spring, Hibernate", "Spring Boot=Spring Boot, Vue.js=Vue.js, "
                                                                 "Spring=Spring, Hibernate=Hibernate");
    check_scan("Google Cloud Platform", "Google Cloud Platform=Google Cloud Platform");
    check_scan("natural\nlanguage processing, Test-Driven Development",
               "Natural Language Processing=natural\nlanguage processing, "
               "Test-Driven Development=Test-Driven Development");
    check_scan("", "");
}

static void test_scan_zh(void **state)
{
    (void)state;
    check_scan("熟悉分布式系统与机器学习，使用Go开发后端服务",
               "Distributed Systems=分布式系统, Machine Learning=机器学习, Go=Go, Backend Development=后端");
    check_scan("掌握k8s与Docker；了解C语言和Java",
               "Kubernetes=k8s, Docker=Docker, C=C语言, Java=Java");
    check_scan("基于 LLM 微调（LoRA）的 RAG 系统", "LLM Fine-tuning=LLM 微调, LoRA=LoRA, RAG=RAG");
    /* full-width letters */
    check_scan("\xEF\xBC\xB0\xEF\xBD\x99\xEF\xBD\x94\xEF\xBD\x88\xEF\xBD\x8F\xEF\xBD\x8E 开发",
               "Python=\xEF\xBC\xB0\xEF\xBD\x99\xEF\xBD\x94\xEF\xBD\x88\xEF\xBD\x8F\xEF\xBD\x8E");
}

/* ---- split_line */

static void test_split_en(void **state)
{
    (void)state;
    check_split("• Tech: React Hooks, GraphQL, Node.js, SQL, Postgres, NoSql, Redis, REST API, Git",
                "React, GraphQL, Node.js, SQL, PostgreSQL, NoSQL, Redis, REST API, Git");
    check_split("Computer: Proficient in Windows and Mac OS, Microsoft Word, PowerPoint, and Excel",
                "Windows, macOS, Microsoft Word, Microsoft PowerPoint, Microsoft Excel");
    check_split("Language: Fluent in Spanish", "?Spanish");
    check_split("JavaScript (ES6+), TypeScript, HTML5, CSS3, Vue.js, Test-Driven Development, UI/UX",
                "JavaScript, TypeScript, HTML, CSS, Vue.js, Test-Driven Development, UI/UX Design");
    check_split("JavaScript and TypeScript, Node.js (MERN stack), Git and GitHub, Python and Machine Learning basics",
                "JavaScript, TypeScript, Node.js, MERN Stack, Git, GitHub, Python, Machine Learning");
    check_split("• Angular (versions 2+)", "Angular");
    check_split("• SQL and NoSQL databases (MySQL, MongoDB)", "SQL, NoSQL, MySQL, MongoDB");
    check_split("Technical Skills: Go, CI/CD, TCP/IP, gRPC, A/B Testing, S3, C/C++",
                "Go, CI/CD, TCP/IP, gRPC, A/B Testing, Amazon S3, C, C++");
    check_split("Go\tPython\tNode.js\tTypeScript", "Go, Python, Node.js, TypeScript");
    check_split("DevOps AWS (Intermediate), GCP (Intermediate), Jenkins (Advanced)",
                "DevOps, AWS, Google Cloud Platform, Jenkins");
    check_split("Programming Node.js, Python, Swift", "Node.js, Python, Swift");
    check_split("Languages - Python, Java", "Python, Java");
    check_split("Python: Advanced, Java: Intermediate; Rust - Beginner", "Python, Java, Rust");
    check_split("Test-Driven\nDevelopment, Google Cloud\nPlatform, HTML\nCSS",
                "Test-Driven Development, Google Cloud Platform, HTML, CSS");
    check_split("Vue (Vue3), React + Redux, Spring/Hibernate", "Vue.js, React, Redux, Spring, Hibernate");
    check_split("", "");
    check_split("•  , ;", "");
}

static void test_split_zh(void **state)
{
    (void)state;
    check_split("• 编程语言: C == Python > C++ > Java", "C, Python, C++, Java");
    check_split("• 操作系统, 数据库与工程构建: Linux/MySQL/MongoDB/Git/Latex", "Linux, MySQL, MongoDB, Git, LaTeX");
    check_split("• 深度学习框架: Pytorch > Tensorflow", "PyTorch, TensorFlow");
    check_split("• 编程语言：熟练掌握 C/C++、Python、Java、Matlab；熟悉 PyTorch、HuggingFace Transformers 深度学习框架",
                "C, C++, Python, Java, MATLAB, PyTorch, Hugging Face Transformers, Deep Learning");
    check_split("• 大模型技术：LLM 微调（LoRA/QLoRA）、RAG/GraphRAG、多智能体系统（AutoGen/LangChain）、提示工程",
                "LLM Fine-tuning, LoRA, QLoRA, RAG, GraphRAG, Multi-Agent Systems, AutoGen, LangChain, "
                "Prompt Engineering");
    check_split("• AI 科研能力：知识图谱构建（Neo4j）、信息抽取（NER/RE）、文献调研、假设生成与评估",
                "Knowledge Graphs, Neo4j, Information Extraction, Named Entity Recognition, Relation Extraction, "
                "Literature Review, ?假设生成与评估");
    check_split("质量法规和标准、风险分析、问题解决", "Quality Management, Risk Analysis, Problem Solving");
    check_split("技能：Java（精通），Redis（熟练），Spring Cloud 和 Dubbo", "Java, Redis, Spring Cloud, Dubbo");
    check_split("乐观善良、学习能力强", "?乐观善良, Continuous Learning");
}

/* ---- malformed data */

static void check_bad(const char *tsv, const char *want_in_msg)
{
    skills_taxonomy *t = (skills_taxonomy *)1;
    ig_err err = {0};
    assert_int_equal(skills_taxonomy_parse(tsv, strlen(tsv), &t, &err), IG_EINVAL);
    assert_null(t);
    if (strstr(err.msg, want_in_msg) == NULL)
        fail_msg("error [%s] lacks [%s]", err.msg, want_in_msg);
}

static void test_malformed(void **state)
{
    (void)state;
    check_bad("# c\nPython\tlanguage\tpy\nJava\n", "line 3");
    check_bad("Python\tlanguage\npy\tlangauge\t\n", "line 2: unknown category");
    check_bad("Python\tlanguage\tPy||Py3\n", "line 1: empty or malformed alias");
    check_bad("Python\tlanguage\tPy|\n", "line 1");
    check_bad("Python\tlanguage\tPy\tx\n", "more than three fields");
    check_bad("Python\tlanguage\tPy\n\nPyPy\tlanguage\tpy\n", "line 3: alias \"py\" of PyPy is already an alias of Python");
    check_bad("Go\tlanguage\nGO\tlanguage\n", "line 2");
    check_bad("\tlanguage\n", "bad skill name");
    check_bad(" Python\tlanguage\n", "bad skill name");
    check_bad("Py\xFFthon\tlanguage\n", "bad skill name");
    check_bad("Python\tlanguage\tPy\x01\n", "malformed alias");
    check_bad("Python\tlanguage\t---\n", "malformed alias");
    check_bad("?:Go\tlanguage\n", "bad skill name"); /* lookup would trim the ':' and never find it */
    check_bad("Go\tlanguage\tGo,\n", "malformed alias");
}

static void test_parse_small(void **state)
{
    (void)state;
    const char *tsv = "# comment\r\n"
                      "?Go\tlanguage\tGolang\r\n"
                      "Vue.js\tfrontend\tVue\n"
                      "!Foo Bar\ttool\n"
                      "FooBar Pro\ttool\tfoobar\n" /* "foobar" is Foo Bar's derived spelling: explicit wins */
                      "Empty Aliases\tother\t\n";
    skills_taxonomy *t = NULL;
    ig_err err = {0};
    if (skills_taxonomy_parse(tsv, strlen(tsv), &t, &err) != IG_OK)
        fail_msg("parse: %s", err.msg);
    assert_int_equal(skills_taxonomy_count(t), 5);
    assert_string_equal(skills_taxonomy_at(t, 0)->name, "Go");
    assert_string_equal(skills_taxonomy_at(t, 2)->name, "Foo Bar");
    assert_string_equal(skills_taxonomy_at(t, 2)->category, "tool");
    assert_string_equal(skills_lookup(t, "golang", 6)->name, "Go");
    assert_string_equal(skills_lookup(t, "VueJS", 5)->name, "Vue.js"); /* derived from ".js" */
    assert_string_equal(skills_lookup(t, "vue js", 6)->name, "Vue.js");
    assert_string_equal(skills_lookup(t, "foo-bar", 7)->name, "Foo Bar");
    assert_string_equal(skills_lookup(t, "FOOBAR", 6)->name, "FooBar Pro");
    assert_string_equal(skills_lookup(t, "empty aliases", 13)->name, "Empty Aliases");
    skills_taxonomy_free(t);

    assert_int_equal(skills_taxonomy_parse("", 0, &t, &err), IG_OK);
    assert_int_equal(skills_taxonomy_count(t), 0);
    assert_null(skills_lookup(t, "x", 1));
    skills_taxonomy_free(t);
    skills_taxonomy_free(NULL);
}

/* ---- speed */

static double now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static void count_hit(const skills_entry *e, size_t off, size_t len, void *arg)
{
    (void)e;
    (void)off;
    (void)len;
    (*(size_t *)arg)++;
}

static void test_scan_speed(void **state)
{
    (void)state;
    /* about two pages: EN bullets and ZH project text */
    static const char para[] =
        "Developed microservices in Java and Spring Boot on Kubernetes; cut p99 latency by 40% with Redis caching "
        "and Kafka. Built React and TypeScript dashboards, CI/CD on GitHub Actions, Terraform on AWS.\n"
        "负责基于 PyTorch 的推荐系统，使用 Python、Go 和 MySQL，优化分布式训练与模型部署，提升团队协作效率。\n";
    size_t n = 0, cap = 8192;
    char *text = malloc(cap + sizeof para);
    assert_non_null(text);
    while (n < cap) {
        memcpy(text + n, para, sizeof para - 1);
        n += sizeof para - 1;
    }
    size_t hits = 0;
    double t0 = now_us();
    for (int r = 0; r < 20; r++)
        skills_scan(tax, text, n, count_hit, &hits);
    double per_scan = (now_us() - t0) / 20;
    assert_true(hits > 20 * 10 * (n / sizeof para));
    /* a loose bound that also holds under the sanitizers and a busy machine; optimised it is ~0.2 ms */
    if (per_scan > 20000)
        fail_msg("scan of %zu bytes took %.0f us", n, per_scan);

    /* hostile text stays linear: one long word, blanks, hyphens, CJK without breaks */
    size_t big = 1 << 18;
    char *bad = malloc(big);
    assert_non_null(bad);
    const char *fills[] = {"a", " ", "-", "C", "\xE5\x88\x86", "Spring ", "C/", "k8s"};
    for (size_t f = 0; f < sizeof fills / sizeof *fills; f++) {
        size_t fl = strlen(fills[f]), m = 0;
        while (m + fl <= big) {
            memcpy(bad + m, fills[f], fl);
            m += fl;
        }
        t0 = now_us();
        skills_scan(tax, bad, m, count_hit, &hits);
        out o = {.n = 0};
        skills_split_line(tax, bad, m, on_item, &o);
        if (now_us() - t0 > 2e6)
            fail_msg("fill [%s] took %.0f us", fills[f], now_us() - t0);
    }
    free(bad);
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_integrity),     cmocka_unit_test(test_lookup_en),  cmocka_unit_test(test_lookup_zh),
        cmocka_unit_test(test_scan_boundaries), cmocka_unit_test(test_scan_zh),  cmocka_unit_test(test_split_en),
        cmocka_unit_test(test_split_zh),      cmocka_unit_test(test_malformed),  cmocka_unit_test(test_parse_small),
        cmocka_unit_test(test_scan_speed),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
