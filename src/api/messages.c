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
