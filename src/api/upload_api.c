/* POST /api/v1/resumes: the seed's upload_resume, with the body already streamed to a temporary
 * file by the dispatcher (API_UPLOAD); here it becomes a resume. */
#include "api/api.h"

static void h_upload(api_call *c)
{
    upload_result *u = upload_result_get(c->upload);
    if (!u->multipart || !u->has_file) {
        api_fail(c, 400, MSG_NO_FILE, NULL);
        return;
    }
    if (u->truncated) {
        api_fail(c, 400, MSG_BAD_REQUEST, NULL);
        return;
    }
    if (u->filename[0] == '\0') {
        api_fail(c, 400, MSG_EMPTY_FILENAME, NULL);
        return;
    }
    if (u->size == 0) {
        api_fail(c, 400, MSG_EMPTY_FILE, NULL);
        return;
    }
    store_resume r;
    bool duplicate = false;
    ig_err err = {0};
    /* the service consumes the temporary file whatever happens */
    upload_claim(c->upload);
    ig_status st = resumes_upload_finish(c->app->resumes, c->id.user.id, u->tmp_path, u->filename, u->size,
                                         u->sha256, &r, &duplicate, &err);
    if (st == IG_EINVAL) {
        api_fail(c, 415, MSG_UNSUPPORTED_FILE, NULL);
        return;
    }
    if (st != IG_OK) {
        api_fail_status(c, st, &err);
        return;
    }
    json_t *data = api_resume_json(&r, c->lang);
    if (duplicate) {
        json_object_set_new(data, "duplicate", json_true());
        api_ok(c, 200, MSG_RESUME_DUPLICATE, data);
    } else {
        json_object_set_new(data, "duplicate", json_false());
        api_ok(c, 201, MSG_RESUME_UPLOADED, data);
    }
}

static const api_route R_UPLOAD = {API_AUTH | API_UPLOAD, h_upload};

const router_route api_upload_routes[] = {
    {"POST", "/api/v1/resumes", &R_UPLOAD},
};
const size_t api_upload_routes_count = sizeof api_upload_routes / sizeof api_upload_routes[0];
