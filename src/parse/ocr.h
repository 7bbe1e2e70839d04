/* OCR with tesseract (chi_sim + eng, page segmentation mode 6 so a date stays on its line): for
 * PNG/JPEG uploads and for PDF pages that carry no text layer. One engine per extraction; loading
 * the models costs about half a second, so it is created only when a page needs it. Run with
 * OMP_THREAD_LIMIT=1 in the environment (the sandbox sets it for its children): tesseract's
 * OpenMP threads otherwise spin while idle, five times the CPU time on a busy machine, and
 * libgomp reads the variable only when the process starts. */
#ifndef IG_PARSE_OCR_H
#define IG_PARSE_OCR_H

#include "core/status.h"
#include "parse/sink.h"

typedef struct parse_ocr parse_ocr;

/* Loads the engine (chi_sim+eng: Chinese comes out without spaces between characters and English
 * as well as with eng alone; eng alone when chi_sim is not installed). *out is freed with
 * parse_ocr_free. IG_EINTERNAL when no language model can be loaded. */
ig_status parse_ocr_new(parse_ocr **out, ig_err *err);
void parse_ocr_free(parse_ocr *o);

/* Recognises an 8-bit grayscale image (stride bytes per row) scanned at dpi; appends the text to
 * sink and sets sink->ocr. */
ig_status parse_ocr_gray(parse_ocr *o, const unsigned char *pix, int w, int h, int stride, int dpi,
                         parse_sink *sink, ig_err *err);

/* Recognises a PNG or JPEG file (at most PARSE_OCR_MAX_PIXELS pixels: IG_ETOOBIG beyond). */
#define PARSE_OCR_MAX_PIXELS (60u * 1000u * 1000u)
ig_status parse_ocr_image_file(parse_ocr *o, const char *path, parse_sink *sink, ig_err *err);

#endif
