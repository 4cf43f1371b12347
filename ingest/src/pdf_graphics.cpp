// Reads a PDF page's words and what it paints in one run of Poppler's content-stream interpreter (Gfx): the
// output device is Poppler's own TextOutputDev (the words pdftotext and poppler-cpp's text_list give), which
// additionally records paths and image boxes instead of rasterising them. Images are not decoded; shadings
// and patterns come through as the fills Gfx breaks them into.
#include "pdf_graphics.h"
#include <algorithm>
#include <cmath>

#include <GfxState.h>
#include <GlobalParams.h>
#include <OutputDev.h>
#include <PDFDoc.h>
#include <TextOutputDev.h>
#include <goo/GooString.h>

#include <exadoc/base/log.h>
#include <exadoc/ingest/input_error.h>

namespace exadoc::ingest {
namespace {

// Bézier segments are flattened into this many straight pieces: enough for masks at 150 DPI.
constexpr int kCurvePieces = 8;

double luminance(const GfxRGB& rgb) {
  return 255.0 * (0.299 * colToDbl(rgb.r) + 0.587 * colToDbl(rgb.g) + 0.114 * colToDbl(rgb.b));
}

// The text device with the settings poppler-cpp's text_list uses (reading order, no physical layout), so the
// words are the ones rendering with a text layer gives. upsideDown() is true: a top-left origin, like ours.
class ContentCollector final : public TextOutputDev {
 public:
  explicit ContentCollector(PageGraphics& graphics)
      : TextOutputDev(nullptr, false, 0, false, false), graphics_(graphics) {}

  bool needNonText() override { return true; }  // TextOutputDev declines images and shadings; we want them

  void stroke(GfxState* state) override {
    TextOutputDev::stroke(state);  // underlines and link borders, for the text device
    GfxRGB rgb;
    state->getStrokeRGB(&rgb);
    add_path(state, true, luminance(rgb));
  }
  void fill(GfxState* state) override {
    TextOutputDev::fill(state);
    GfxRGB rgb;
    state->getFillRGB(&rgb);
    add_path(state, false, luminance(rgb));
  }
  void eoFill(GfxState* state) override {
    TextOutputDev::eoFill(state);
    GfxRGB rgb;
    state->getFillRGB(&rgb);
    add_path(state, false, luminance(rgb));
  }

  // Images are recorded as the box they are painted into. Inline images must still be consumed from the
  // content stream, which the base class does; the others are never decoded.
  void drawImageMask(GfxState* state, Object* ref, Stream* str, int width, int height, bool invert,
                     bool interpolate, bool inline_image) override {
    add_image(state);
    if (inline_image) OutputDev::drawImageMask(state, ref, str, width, height, invert, interpolate, true);
  }
  void drawImage(GfxState* state, Object* ref, Stream* str, int width, int height,
                 GfxImageColorMap* color_map, bool interpolate, const int* mask_colors,
                 bool inline_image) override {
    add_image(state);
    if (inline_image) {
      OutputDev::drawImage(state, ref, str, width, height, color_map, interpolate, mask_colors, true);
    }
  }
  void drawMaskedImage(GfxState* state, Object* /*ref*/, Stream* /*str*/, int /*width*/, int /*height*/,
                       GfxImageColorMap* /*color_map*/, bool /*interpolate*/, Stream* /*mask_str*/,
                       int /*mask_width*/, int /*mask_height*/, bool /*mask_invert*/,
                       bool /*mask_interpolate*/) override {
    add_image(state);
  }
  void drawSoftMaskedImage(GfxState* state, Object* /*ref*/, Stream* /*str*/, int /*width*/, int /*height*/,
                           GfxImageColorMap* /*color_map*/, bool /*interpolate*/, Stream* /*mask_str*/,
                           int /*mask_width*/, int /*mask_height*/, GfxImageColorMap* /*mask_color_map*/,
                           bool /*mask_interpolate*/) override {
    add_image(state);
  }

 private:
  void add_path(GfxState* state, bool stroked, double grey) {
    const GfxPath* path = state->getPath();
    if (path == nullptr || path->getNumSubpaths() == 0) return;
    GraphicPath out;
    out.stroked = stroked;
    out.grey = grey;
    out.line_width_pt = stroked ? state->getTransformedLineWidth() : 0;
    state->getClipBBox(&out.clip.x1, &out.clip.y1, &out.clip.x2, &out.clip.y2);
    for (int s = 0; s < path->getNumSubpaths(); ++s) {
      const GfxSubpath* subpath = path->getSubpath(s);
      std::vector<PointPt> points;
      auto device = [&](double x, double y) {
        PointPt point;
        state->transform(x, y, &point.x, &point.y);
        return point;
      };
      const int n = subpath->getNumPoints();
      for (int i = 0; i < n; ++i) {
        // A curve is the last point plus three: two control points (marked as curve) and the end point.
        if (i + 2 < n && subpath->getCurve(i) && i > 0) {
          const PointPt p0 = device(subpath->getX(i - 1), subpath->getY(i - 1));
          const PointPt p1 = device(subpath->getX(i), subpath->getY(i));
          const PointPt p2 = device(subpath->getX(i + 1), subpath->getY(i + 1));
          const PointPt p3 = device(subpath->getX(i + 2), subpath->getY(i + 2));
          for (int piece = 1; piece <= kCurvePieces; ++piece) {
            const double t = static_cast<double>(piece) / kCurvePieces, u = 1 - t;
            const double a = u * u * u, b = 3 * u * u * t, c = 3 * u * t * t, d = t * t * t;
            points.push_back(
                {a * p0.x + b * p1.x + c * p2.x + d * p3.x, a * p0.y + b * p1.y + c * p2.y + d * p3.y});
          }
          i += 2;
        } else {
          points.push_back(device(subpath->getX(i), subpath->getY(i)));
        }
      }
      if (subpath->isClosed() && points.size() > 1) points.push_back(points.front());
      if (!points.empty()) out.subpaths.push_back(std::move(points));
    }
    if (!out.subpaths.empty()) graphics_.paths.push_back(std::move(out));
  }

  // An image fills the unit square of its current transformation matrix.
  void add_image(GfxState* state) {
    double xs[4], ys[4];
    state->transform(0, 0, &xs[0], &ys[0]);
    state->transform(1, 0, &xs[1], &ys[1]);
    state->transform(0, 1, &xs[2], &ys[2]);
    state->transform(1, 1, &xs[3], &ys[3]);
    BoxPt clip;
    state->getClipBBox(&clip.x1, &clip.y1, &clip.x2, &clip.y2);
    graphics_.images.push_back(
        {std::max(clip.x1, *std::min_element(xs, xs + 4)), std::max(clip.y1, *std::min_element(ys, ys + 4)),
         std::min(clip.x2, *std::max_element(xs, xs + 4)), std::min(clip.y2, *std::max_element(ys, ys + 4))});
  }

  PageGraphics& graphics_;
};

// Used only if no poppler-cpp document exists yet; otherwise poppler-cpp's callback stays installed.
void log_poppler_error(ErrorCategory /*category*/, Goffset /*position*/, const char* message) {
  EXADOC_LOG_DEBUG("poppler: %s", message);
}

}  // namespace

std::string strip_subset_prefix(std::string font_name) {
  if (font_name.size() > 7 && font_name[6] == '+' &&
      std::all_of(font_name.begin(), font_name.begin() + 6, [](char c) { return c >= 'A' && c <= 'Z'; })) {
    font_name.erase(0, 7);
  }
  return font_name;
}

PdfGraphicsReader::PdfGraphicsReader(std::filesystem::path file)
    : global_params_(log_poppler_error), path_(std::move(file)) {}

PdfGraphicsReader::~PdfGraphicsReader() = default;

std::unique_ptr<PDFDoc> PdfGraphicsReader::acquire() const {
  {
    std::lock_guard lock(pool_mutex_);
    if (!pool_.empty()) {
      auto document = std::move(pool_.back());
      pool_.pop_back();
      return document;
    }
  }
  auto document = std::make_unique<PDFDoc>(std::make_unique<GooString>(path_.string()));
  if (!document->isOk()) {
    throw InputError(path_, std::nullopt,
                     "Poppler cannot open this PDF a second time to read its graphics (error " +
                         std::to_string(document->getErrorCode()) +
                         "); was the file changed while exadoc read it?");
  }
  return document;
}

void PdfGraphicsReader::release(std::unique_ptr<PDFDoc> document) const {
  std::lock_guard lock(pool_mutex_);
  pool_.push_back(std::move(document));
}

PdfGraphicsReader::Content PdfGraphicsReader::read(int page_index) const {
  std::unique_ptr<PDFDoc> document = acquire();
  Content content;
  try {
    ContentCollector collector(content.graphics);
    // 72 DPI: device units are points. The same display parameters as poppler-cpp's text_list: the crop box
    // is the page, without clipping to it.
    document->displayPageSlice(&collector, page_index + 1, 72, 72, 0, false, false, false, -1, -1, -1, -1);
    const std::unique_ptr<TextWordList> list(collector.makeWordList());
    for (int i = 0; list && i < list->getLength(); ++i) {
      const TextWord* text_word = list->get(i);
      const std::unique_ptr<GooString> text(text_word->getText());
      if (!text || text->getLength() == 0) continue;
      Word word;
      word.text = text->toStr();
      text_word->getBBox(&word.box_pt.x1, &word.box_pt.y1, &word.box_pt.x2, &word.box_pt.y2);
      word.font_size_pt = text_word->getFontSize();
      if (text_word->getFontInfo(0) != nullptr && text_word->getFontInfo(0)->getFontName() != nullptr) {
        word.font_name = strip_subset_prefix(text_word->getFontInfo(0)->getFontName()->toStr());
      }
      word.space_after = text_word->hasSpaceAfter();
      content.text_layer.words.push_back(std::move(word));
    }
  } catch (...) {
    release(std::move(document));
    throw;
  }
  release(std::move(document));
  return content;
}

}  // namespace exadoc::ingest
