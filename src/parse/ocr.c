/* Tesseract through its C API; images decoded by leptonica (tesseract's own image library). */
#include "parse/ocr.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <leptonica/allheaders.h>
#include <tesseract/capi.h>

struct parse_ocr {
    TessBaseAPI *api;
};

ig_status parse_ocr_new(parse_ocr **out, ig_err *err)
{
    *out = NULL;
    parse_ocr *o = calloc(1, sizeof *o);
    if (o == NULL)
        return status_errf(err, IG_ENOMEM, "out of memory");
    o->api = TessBaseAPICreate();
    if (o->api == NULL) {
        free(o);
        return status_errf(err, IG_ENOMEM, "out of memory");
    }
    if (TessBaseAPIInit3(o->api, NULL, "chi_sim+eng") != 0 && TessBaseAPIInit3(o->api, NULL, "eng") != 0) {
        parse_ocr_free(o);
        return status_errf(err, IG_EINTERNAL, "OCR is unavailable: no tesseract language data");
    }
    TessBaseAPISetPageSegMode(o->api, PSM_SINGLE_BLOCK);
    *out = o;
    return IG_OK;
}

void parse_ocr_free(parse_ocr *o)
{
    if (o == NULL)
        return;
    TessBaseAPIEnd(o->api);
    TessBaseAPIDelete(o->api);
    free(o);
}

/* Runs recognition on the image already set and appends its text. */
static ig_status recognise(parse_ocr *o, parse_sink *sink, ig_err *err)
{
    char *text = TessBaseAPIGetUTF8Text(o->api);
    if (text == NULL)
        return status_errf(err, IG_EINVAL, "OCR failed on the image");
    ig_status st = parse_sink_text(sink, text, strlen(text));
    if (st == IG_OK)
        st = parse_sink_text(sink, "\n\n", 2);
    TessDeleteText(text);
    TessBaseAPIClear(o->api);
    sink->ocr = true;
    return st == IG_OK ? IG_OK : status_errf(err, st, "out of memory");
}

ig_status parse_ocr_gray(parse_ocr *o, const unsigned char *pix, int w, int h, int stride, int dpi,
                         parse_sink *sink, ig_err *err)
{
    TessBaseAPISetImage(o->api, pix, w, h, 1, stride);
    TessBaseAPISetSourceResolution(o->api, dpi);
    return recognise(o, sink, err);
}

ig_status parse_ocr_image_file(parse_ocr *o, const char *path, parse_sink *sink, ig_err *err)
{
    l_int32 format, w, h, bps, spp, iscmap;
    if (pixReadHeader(path, &format, &w, &h, &bps, &spp, &iscmap) != 0 || w <= 0 || h <= 0)
        return status_errf(err, IG_EINVAL, "the image is damaged or not a PNG/JPEG");
    if ((uint64_t)w * (uint64_t)h > PARSE_OCR_MAX_PIXELS)
        return status_errf(err, IG_ETOOBIG, "the image is too large (%dx%d pixels)", (int)w, (int)h);
    PIX *pix = pixRead(path);
    if (pix == NULL)
        return status_errf(err, IG_EINVAL, "the image is damaged or not a PNG/JPEG");
    l_int32 res = pixGetXRes(pix);
    TessBaseAPISetImage2(o->api, pix);
    /* photos and screenshots often carry no resolution; 300 dpi keeps tesseract's scale guesses sane */
    TessBaseAPISetSourceResolution(o->api, res >= 70 && res <= 1200 ? (int)res : 300);
    ig_status st = recognise(o, sink, err);
    pixDestroy(&pix);
    return st;
}
