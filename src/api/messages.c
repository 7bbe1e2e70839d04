/* The message table. */
#include "api/messages.h"

static const char *const MSGS[MSG_COUNT][2] = {
    [MSG_NONE] = {"", ""},
    [MSG_REGISTERED] = {"注册成功", "Registration successful"},
    [MSG_LOGGED_IN] = {"登录成功", "Login successful"},
    [MSG_LOGGED_OUT] = {"登出成功", "Logout successful"},
    [MSG_REFRESHED] = {"令牌刷新成功", "Token refreshed"},
    [MSG_PROFILE_UPDATED] = {"资料更新成功", "Profile updated"},
    [MSG_PASSWORD_CHANGED] = {"密码修改成功", "Password changed"},
    [MSG_ACCOUNT_DELETED] = {"账户已删除", "Account deleted"},
    [MSG_VALIDATION] = {"数据验证失败", "Validation failed"},
    [MSG_BODY_EMPTY] = {"请求体不能为空", "Request body must not be empty"},
    [MSG_BODY_MALFORMED] = {"请求体不是有效的JSON", "Request body is not valid JSON"},
    [MSG_BODY_NOT_OBJECT] = {"请求体必须是JSON对象", "Request body must be a JSON object"},
    [MSG_UNSUPPORTED_MEDIA] = {"不支持的媒体类型，请使用 application/json",
                               "Unsupported media type: use application/json"},
    [MSG_EMAIL_TAKEN] = {"邮箱已被注册", "Email already registered"},
    [MSG_BAD_CREDENTIALS] = {"邮箱或密码错误", "Invalid email or password"},
    [MSG_ACCOUNT_INACTIVE] = {"账户已被停用", "Account is deactivated"},
    [MSG_TOKEN_MISSING] = {"缺少认证令牌", "Missing authorization token"},
    [MSG_TOKEN_INVALID] = {"令牌无效", "Invalid token"},
    [MSG_TOKEN_EXPIRED] = {"令牌已过期", "Token has expired"},
    [MSG_TOKEN_REVOKED] = {"令牌已被撤销", "Token has been revoked"},
    [MSG_USER_INVALID] = {"用户不存在或已停用", "User not found or deactivated"},
    [MSG_NOT_FOUND] = {"资源不存在", "Resource not found"},
    [MSG_METHOD_NOT_ALLOWED] = {"请求方法不被允许", "Method not allowed"},
    [MSG_TOO_LARGE] = {"请求体过大", "Request body too large"},
    [MSG_HEADERS_TOO_LARGE] = {"请求头过大", "Request header fields too large"},
    [MSG_TIMEOUT] = {"请求超时", "Request timeout"},
    [MSG_BAD_REQUEST] = {"请求格式错误", "Bad request"},
    [MSG_RATE_LIMITED] = {"请求过于频繁", "Too many requests"},
    [MSG_INTERNAL] = {"服务器内部错误", "Internal server error"},
    [MSG_UNAVAILABLE] = {"服务暂不可用", "Service unavailable"},
    [MSG_DEPENDENCY_UNAVAILABLE] = {"服务暂时不可用，请稍后重试",
                                    "Service temporarily unavailable, please try again shortly"},
    [MSG_EXPECTATION_FAILED] = {"不支持的 Expect 请求头", "Expectation failed"},
    [MSG_NOT_READY] = {"数据库不可用", "Database unavailable"},
    [MSG_FIELD_REQUIRED] = {"缺少必填字段。", "Missing data for required field."},
    [MSG_FIELD_STRING] = {"不是有效的字符串。", "Not a valid string."},
    [MSG_FIELD_EMAIL] = {"不是有效的邮箱地址。", "Not a valid email address."},
    [MSG_FIELD_TOO_SHORT] = {"长度不能少于 %d。", "Shorter than minimum length %d."},
    [MSG_FIELD_TOO_LONG] = {"长度不能超过 %d。", "Longer than maximum length %d."},
    [MSG_FIELD_URL] = {"不是有效的 http(s) URL。", "Not a valid URL."},
    [MSG_FIELD_NULL] = {"字段不能为 null。", "Field may not be null."},
    [MSG_FIELD_WRONG_PASSWORD] = {"密码错误。", "Incorrect password."},
    [MSG_FIELD_UNKNOWN] = {"未知字段。", "Unknown field."},
    [MSG_RESUME_UPLOADED] = {"简历上传成功", "Resume uploaded"},
    [MSG_RESUME_DUPLICATE] = {"该简历已上传过", "This resume was already uploaded"},
    [MSG_RESUME_DELETED] = {"简历删除成功", "Resume deleted"},
    [MSG_RESUME_REPARSE_QUEUED] = {"已重新开始解析", "Parsing again"},
    [MSG_RESUME_REPARSE_RUNNING] = {"简历正在解析中", "The resume is already being parsed"},
    [MSG_NO_FILE] = {"没有文件上传", "No file uploaded"},
    [MSG_EMPTY_FILENAME] = {"文件名为空", "Empty file name"},
    [MSG_EMPTY_FILE] = {"文件内容为空", "The file is empty"},
    [MSG_UNSUPPORTED_FILE] = {"不支持的文件格式", "Unsupported file format"},
    [MSG_FIELD_POSITIVE_INT] = {"必须是正整数。", "Must be a positive integer."},
    [MSG_PARSE_NO_TEXT] = {"未能从文件中提取文本", "No text could be extracted from the file"},
    [MSG_PARSE_UNREADABLE] = {"文件已损坏、已加密或无法读取", "The file is damaged, encrypted or unreadable"},
    [MSG_PARSE_TOO_LARGE] = {"文件内容超出解析限制", "The file's content exceeds the parsing limits"},
    [MSG_PARSE_FILE_MISSING] = {"简历文件已丢失", "The resume file is missing"},
    [MSG_PARSE_INTERRUPTED] = {"解析多次中断，已放弃", "Parsing was interrupted too many times"},
    [MSG_PARSE_FAILED] = {"简历解析失败", "Resume parsing failed"},
    /* structured resume edits (the bounds are api/resume_edit.h's) */
    [MSG_FIELD_LIST] = {"不是有效的列表。", "Not a valid list."},
    [MSG_FIELD_OBJECT] = {"输入类型无效。", "Invalid input type."},
    [MSG_FIELD_YEARS] = {"必须是 0 到 80 之间的数字。", "Must be a number between 0 and 80."},
    [MSG_FIELD_NON_NEGATIVE_INT] = {"必须是非负整数。", "Must be a non-negative integer."},
    [MSG_FIELD_DATE] = {"不是有效的日期（YYYY 或 YYYY-MM）。", "Not a valid date (YYYY or YYYY-MM)."},
    [MSG_FIELD_END_DATE] = {"不是有效的日期（YYYY、YYYY-MM 或 present）。",
                            "Not a valid date (YYYY, YYYY-MM or present)."},
    [MSG_FIELD_DEGREE] = {"必须是以下之一：high_school、associate、bachelor、master、phd、other。",
                          "Must be one of: high_school, associate, bachelor, master, phd, other."},
    [MSG_FIELD_SKILL] = {"必须是字符串或对象。", "Must be a string or an object."},
    [MSG_FIELD_NOTHING] = {"至少需要一个要修改的字段。", "At least one field to change is required."},
    [MSG_RESUME_NOT_COMPLETED] = {"简历尚未成功解析，不能修改解析结果",
                                  "Only the result of a successfully parsed resume can be edited"},
    [MSG_RESUME_RESULT_UPDATED] = {"解析结果已更新", "Parse result updated"},
    /* questions and interviews (the field texts follow marshmallow's Integer, Boolean, OneOf, Range) */
    [MSG_FIELD_INTEGER] = {"不是有效的整数。", "Not a valid integer."},
    [MSG_FIELD_BOOLEAN] = {"不是有效的布尔值。", "Not a valid boolean."},
    [MSG_FIELD_TYPE] = {"必须是以下之一：general、technical、behavioral、project、system_design、mixed。",
                        "Must be one of: general, technical, behavioral, project, system_design, mixed."},
    [MSG_FIELD_DIFFICULTY] = {"必须是以下之一：easy、medium、hard。", "Must be one of: easy, medium, hard."},
    [MSG_FIELD_LANGUAGE] = {"必须是以下之一：zh、en。", "Must be one of: zh, en."},
    [MSG_FIELD_QUESTION_COUNT] = {"必须大于等于 1 且小于等于 30。",
                                  "Must be greater than or equal to 1 and less than or equal to 30."},
    [MSG_RESUME_NOT_READY] = {"简历不存在或未完成解析", "The resume does not exist or has not been parsed yet"},
    [MSG_QUESTIONS_GENERATED] = {"问题生成成功", "Questions generated"},
    [MSG_INTERVIEW_STARTED] = {"面试已开始", "Interview started"},
    [MSG_INTERVIEW_NOT_FOUND] = {"面试会话不存在", "Interview not found"},
    [MSG_INTERVIEW_NOT_ACTIVE] = {"面试会话无效", "The interview is not active"},
    [MSG_INTERVIEW_STATE] = {"面试当前状态不允许此操作", "The interview's state does not allow this"},
    [MSG_QUESTION_NOT_CURRENT] = {"该问题不是当前问题", "This is not the current question"},
    [MSG_ANSWER_SUBMITTED] = {"回答已提交", "Answer submitted"},
    [MSG_QUESTION_SKIPPED] = {"已跳过该问题", "Question skipped"},
    [MSG_INTERVIEW_PAUSED] = {"面试已暂停", "Interview paused"},
    [MSG_INTERVIEW_RESUMED] = {"面试已继续", "Interview resumed"},
    [MSG_INTERVIEW_ENDED] = {"面试已结束", "Interview ended"},
    [MSG_INTERVIEW_CANCELLED] = {"面试已取消", "Interview cancelled"},
    [MSG_FEEDBACK_NOT_READY] = {"面试结束后才有反馈报告", "The report is available once the interview has ended"},
    [MSG_AUDIO_UNAVAILABLE] = {"语音合成暂不可用", "Speech synthesis is unavailable"},
};

const char *msg_get(msg_id id, api_lang lang)
{
    if (id < 0 || id >= MSG_COUNT || MSGS[id][0] == NULL)
        return "";
    return MSGS[id][lang == LANG_EN ? 1 : 0];
}

api_lang msg_lang(ig_str al)
{
    /* the first language range decides: "en", "en-US", "en;q=0.9" */
    ig_str s = str_trim(al);
    if (s.n >= 2 && (s.p[0] == 'e' || s.p[0] == 'E') && (s.p[1] == 'n' || s.p[1] == 'N') &&
        (s.n == 2 || s.p[2] == '-' || s.p[2] == '_' || s.p[2] == ';' || s.p[2] == ','))
        return LANG_EN;
    return LANG_ZH;
}
