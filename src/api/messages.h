/* Every message the API says, in Chinese (the default, as the seed) and English
 * (`Accept-Language: en`). Field messages follow marshmallow's English wording. */
#ifndef IG_API_MESSAGES_H
#define IG_API_MESSAGES_H

#include "core/str.h"

typedef enum api_lang { LANG_ZH, LANG_EN } api_lang;

typedef enum msg_id {
    MSG_NONE,
    MSG_REGISTERED, MSG_LOGGED_IN, MSG_LOGGED_OUT, MSG_REFRESHED, MSG_PROFILE_UPDATED,
    MSG_PASSWORD_CHANGED, MSG_ACCOUNT_DELETED,
    MSG_VALIDATION, MSG_BODY_EMPTY, MSG_BODY_MALFORMED, MSG_BODY_NOT_OBJECT, MSG_UNSUPPORTED_MEDIA,
    MSG_EMAIL_TAKEN, MSG_BAD_CREDENTIALS, MSG_ACCOUNT_INACTIVE,
    MSG_TOKEN_MISSING, MSG_TOKEN_INVALID, MSG_TOKEN_EXPIRED, MSG_TOKEN_REVOKED, MSG_USER_INVALID,
    MSG_NOT_FOUND, MSG_METHOD_NOT_ALLOWED, MSG_TOO_LARGE, MSG_HEADERS_TOO_LARGE, MSG_TIMEOUT,
    MSG_BAD_REQUEST, MSG_RATE_LIMITED, MSG_INTERNAL, MSG_UNAVAILABLE, MSG_EXPECTATION_FAILED,
    MSG_NOT_READY,
    MSG_FIELD_REQUIRED, MSG_FIELD_STRING, MSG_FIELD_EMAIL, MSG_FIELD_TOO_SHORT, MSG_FIELD_TOO_LONG,
    MSG_FIELD_URL, MSG_FIELD_NULL, MSG_FIELD_NUL_CHAR, MSG_FIELD_WRONG_PASSWORD, MSG_FIELD_UNKNOWN,
    MSG_COUNT
} msg_id;

/* The text of id in lang; field messages with a number contain one %d. */
const char *msg_get(msg_id id, api_lang lang);
/* English when the Accept-Language header's first language is English, else Chinese. */
api_lang msg_lang(ig_str accept_language);

#endif
