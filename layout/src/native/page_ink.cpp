#include "native/page_ink.h"
#include <algorithm>
#include <cmath>
#include <tuple>

#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

namespace exadoc::layout::native {
namespace {

// OpenCV draws with fixed-point coordinates: 4 fractional bits keep sub-pixel positions of thin rules.
constexpr int kShift = 4;
constexpr double kOne = 1 << kShift;

PageInk blank(const ingest::SizePt& size_pt, double dpi) {
  PageInk ink = empty_page_ink(size_pt, dpi);
  ink.mask.assign(static_cast<size_t>(ink.width_px) * static_cast<size_t>(ink.height_px), 0);
  return ink;
}

cv::Mat as_mat(PageInk& ink) {
  return {ink.height_px, ink.width_px, CV_8UC1, ink.mask.data()};
}

// Pixels of a box in points, cut to the page; empty for an empty or inverted box.
cv::Rect to_rect(const ingest::BoxPt& box, double scale, const cv::Size& page) {
  if (!(box.x2 > box.x1 && box.y2 > box.y1)) return {};
  const auto px = [scale](double pt, bool up) {
    const double value = std::clamp(pt * scale, -1e6, 1e6);
    return static_cast<int>(up ? std::ceil(value) : std::floor(value));
  };
  return cv::Rect(cv::Point(px(box.x1, false), px(box.y1, false)),
                  cv::Point(px(box.x2, true), px(box.y2, true))) &
         cv::Rect(cv::Point(0, 0), page);
}

// The path's subpaths in fixed-point pixels relative to `origin`.
std::vector<std::vector<cv::Point>> polygons_of(const std::vector<std::vector<ingest::PointPt>>& subpaths,
                                                double scale, const cv::Point& origin) {
  std::vector<std::vector<cv::Point>> polygons;
  polygons.reserve(subpaths.size());
  for (const auto& subpath : subpaths) {
    std::vector<cv::Point> points;
    points.reserve(subpath.size());
    for (const ingest::PointPt& point : subpath) {
      // Clamped far outside the page: OpenCV's fixed-point arithmetic overflows on absurd coordinates.
      const double x = std::clamp(point.x * scale - origin.x, -1e5, 1e5);
      const double y = std::clamp(point.y * scale - origin.y, -1e5, 1e5);
      points.emplace_back(static_cast<int>(std::lround(x * kOne)), static_cast<int>(std::lround(y * kOne)));
    }
    polygons.push_back(std::move(points));
  }
  return polygons;
}

int stroke_thickness_px(const ingest::GraphicPath& path, double scale) {
  // A zero-width line is the thinnest line the device can draw: one pixel.
  return std::clamp(static_cast<int>(std::lround(path.line_width_pt * scale)), 1, 255);
}

// Paints one path into `target` (the clip's part of the mask): strokes as polylines, fills as polygons.
void paint(cv::Mat& target, const ingest::GraphicPath& path,
           const std::vector<std::vector<cv::Point>>& polygons, double scale, uchar colour) {
  if (path.stroked) {
    cv::polylines(target, polygons, false, cv::Scalar(colour), stroke_thickness_px(path, scale), cv::LINE_8,
                  kShift);
  } else {
    cv::fillPoly(target, polygons, cv::Scalar(colour), cv::LINE_8, kShift);
  }
}

bool is_dark(const ingest::GraphicPath& path) {
  return path.grey < kInkGreyLevel;
}

}  // namespace

PageInk empty_page_ink(const ingest::SizePt& size_pt, double dpi) {
  PageInk ink;
  ink.size_pt = size_pt;
  ink.dpi = dpi;
  ink.width_px = static_cast<int>(std::llround(size_pt.width * dpi / 72.0));
  ink.height_px = static_cast<int>(std::llround(size_pt.height * dpi / 72.0));
  return ink;
}

ingest::BoxPx PageInk::to_px(const ingest::BoxPt& box) const {
  const double scale_x = width_px / size_pt.width;
  const double scale_y = height_px / size_pt.height;
  return {box.x1 * scale_x, box.y1 * scale_y, box.x2 * scale_x, box.y2 * scale_y};
}

PageInk ink_from_pixels(const ingest::PageImage& page) {
  PageInk ink;
  ink.size_pt = page.info().size_pt;
  ink.width_px = page.width_px();
  ink.height_px = page.height_px();
  ink.dpi = page.dpi();
  std::vector<uint8_t> rgb = page.rgb_pixels();
  const cv::Mat rgb_mat(ink.height_px, ink.width_px, CV_8UC3, rgb.data());
  cv::Mat grey;
  cv::cvtColor(rgb_mat, grey, cv::COLOR_RGB2GRAY);
  ink.mask.resize(static_cast<size_t>(ink.width_px) * static_cast<size_t>(ink.height_px));
  cv::Mat mask = as_mat(ink);
  cv::threshold(grey, mask, kInkGreyLevel - 1, 255, cv::THRESH_BINARY_INV);
  return ink;
}

PageInk ink_from_graphics(const ingest::PageGraphics& graphics, const ingest::SizePt& size_pt, double dpi) {
  PageInk ink = blank(size_pt, dpi);
  cv::Mat mask = as_mat(ink);
  const double scale = dpi / 72.0;
  for (const ingest::GraphicPath& path : graphics.paths) {
    // Paths are painted into the clip's box only (hatching is typically drawn long and clipped to its area).
    const cv::Rect clip = to_rect(path.clip, scale, mask.size());
    if (clip.empty()) continue;
    cv::Mat target = mask(clip);
    paint(target, path, polygons_of(path.subpaths, scale, clip.tl()), scale, is_dark(path) ? 255 : 0);
  }
  for (const ingest::BoxPt& box : graphics.images) {
    const cv::Rect rect = to_rect(box, scale, mask.size());
    if (!rect.empty()) mask(rect).setTo(255);
  }
  return ink;
}

namespace {

// An axis-aligned dark stroke in page pixels: along runs from start to end at the fixed cross coordinate.
struct Segment {
  double cross = 0, start = 0, end = 0, thickness = 1;
};

// Joins collinear segments that touch or overlap: a rule is often drawn as pieces (one per cell), and it is
// the whole rule whose length counts, as it is the whole run of pixels that opening keeps.
std::vector<Segment> join(std::vector<Segment> segments, double slack_px) {
  std::sort(segments.begin(), segments.end(), [](const Segment& a, const Segment& b) {
    return std::tie(a.cross, a.start) < std::tie(b.cross, b.start);
  });
  std::vector<Segment> joined;
  for (const Segment& segment : segments) {
    // Candidates share the cross coordinate within the slack; the sort puts them close together.
    bool merged = false;
    for (auto it = joined.rbegin(); it != joined.rend() && segment.cross - it->cross <= slack_px; ++it) {
      if (segment.start <= it->end + slack_px) {
        it->end = std::max(it->end, segment.end);
        it->thickness = std::max(it->thickness, segment.thickness);
        merged = true;
        break;
      }
    }
    if (!merged) joined.push_back(segment);
  }
  return joined;
}

}  // namespace

PageInk rulings_from_graphics(const ingest::PageGraphics& graphics, const ingest::SizePt& size_pt, double dpi,
                              int min_width_px, int min_height_px) {
  PageInk ink = empty_page_ink(size_pt, dpi);  // the mask is allocated only when there are rules to draw
  const cv::Size page_size(ink.width_px, ink.height_px);
  const double scale = dpi / 72.0;
  std::vector<cv::Rect> bars;  // long solid fills, kept whole
  // Within this many pixels of level or plumb, a segment is horizontal or vertical (as a one-pixel-wide
  // structuring element would still find most of it); bars up to this thick are rules.
  constexpr double kSlackPx = 1.0;
  constexpr double kMaxRuleThicknessPx = 4.0;
  std::vector<Segment> horizontal, vertical;
  auto clip_segment = [](Segment segment, double low, double high) {
    segment.start = std::max(segment.start, low);
    segment.end = std::min(segment.end, high);
    return segment;
  };
  // Light paint hides the rules beneath it; it is applied after the rules are drawn, in the order painted, by
  // remembering which rules came before it.
  struct Eraser {
    size_t horizontal_before, vertical_before;
    const ingest::GraphicPath* path;
    cv::Rect clip;
  };
  std::vector<Eraser> erasers;
  for (const ingest::GraphicPath& path : graphics.paths) {
    const cv::Rect clip = to_rect(path.clip, scale, page_size);
    if (clip.empty()) continue;
    if (!is_dark(path)) {
      erasers.push_back({horizontal.size(), vertical.size(), &path, clip});
      continue;
    }
    const double thickness = path.stroked ? stroke_thickness_px(path, scale) : 0;
    for (const auto& subpath : path.subpaths) {
      if (subpath.empty()) continue;
      if (path.stroked) {
        for (size_t i = 1; i < subpath.size(); ++i) {
          const double x1 = subpath[i - 1].x * scale, y1 = subpath[i - 1].y * scale;
          const double x2 = subpath[i].x * scale, y2 = subpath[i].y * scale;
          if (std::abs(y2 - y1) <= kSlackPx) {
            horizontal.push_back(clip_segment({(y1 + y2) / 2, std::min(x1, x2), std::max(x1, x2), thickness},
                                              clip.x, clip.br().x));
          } else if (std::abs(x2 - x1) <= kSlackPx) {
            vertical.push_back(clip_segment({(x1 + x2) / 2, std::min(y1, y2), std::max(y1, y2), thickness},
                                            clip.y, clip.br().y));
          }
        }
        continue;
      }
      // Fills: thin axis-aligned boxes are rules; a long solid bar is kept whole, as opening would keep it.
      bool axis_aligned = subpath.size() <= 5;
      double x1 = 1e9, y1 = 1e9, x2 = -1e9, y2 = -1e9;
      for (size_t i = 0; i < subpath.size(); ++i) {
        x1 = std::min(x1, subpath[i].x * scale), x2 = std::max(x2, subpath[i].x * scale);
        y1 = std::min(y1, subpath[i].y * scale), y2 = std::max(y2, subpath[i].y * scale);
        if (i > 0) {
          axis_aligned = axis_aligned && (std::abs(subpath[i].x - subpath[i - 1].x) * scale <= kSlackPx ||
                                          std::abs(subpath[i].y - subpath[i - 1].y) * scale <= kSlackPx);
        }
      }
      if (!axis_aligned) continue;
      if (y2 - y1 <= kMaxRuleThicknessPx) {
        horizontal.push_back(
            clip_segment({(y1 + y2) / 2, x1, x2, std::max(1.0, y2 - y1)}, clip.x, clip.br().x));
      } else if (x2 - x1 <= kMaxRuleThicknessPx) {
        vertical.push_back(
            clip_segment({(x1 + x2) / 2, y1, y2, std::max(1.0, x2 - x1)}, clip.y, clip.br().y));
      } else if (x2 - x1 >= min_width_px || y2 - y1 >= min_height_px) {
        const cv::Rect bar =
            to_rect({x1 / scale, y1 / scale, x2 / scale, y2 / scale}, scale, page_size) & clip;
        if (!bar.empty()) bars.push_back(bar);
      }
    }
  }

  // Rules are joined and judged in painting order between the erasers, each batch on its own. A rule that
  // meets no rule of the other direction encloses nothing (a header rule, an underline) and is left out: the
  // mask then often stays empty, and table detection has nothing to look at.
  struct Batch {
    std::vector<Segment> horizontal, vertical;
  };
  std::vector<Batch> batches;
  size_t horizontal_done = 0, vertical_done = 0;
  size_t kept = bars.size();
  auto close_batch = [&](size_t horizontal_end, size_t vertical_end) {
    Batch batch;
    for (const Segment& segment : join({horizontal.begin() + static_cast<std::ptrdiff_t>(horizontal_done),
                                        horizontal.begin() + static_cast<std::ptrdiff_t>(horizontal_end)},
                                       kSlackPx)) {
      if (segment.end - segment.start + segment.thickness >= min_width_px)
        batch.horizontal.push_back(segment);
    }
    for (const Segment& segment : join({vertical.begin() + static_cast<std::ptrdiff_t>(vertical_done),
                                        vertical.begin() + static_cast<std::ptrdiff_t>(vertical_end)},
                                       kSlackPx)) {
      if (segment.end - segment.start + segment.thickness >= min_height_px) batch.vertical.push_back(segment);
    }
    std::vector<bool> horizontal_meets(batch.horizontal.size(), false),
        vertical_meets(batch.vertical.size(), false);
    for (size_t h = 0; h < batch.horizontal.size(); ++h) {
      for (size_t v = 0; v < batch.vertical.size(); ++v) {
        const Segment& across = batch.horizontal[h];
        const Segment& down = batch.vertical[v];
        // Within the slack, half the thicker line and the pixel the 3×3 dilation of detect_tables adds.
        const double reach = kSlackPx + std::max(across.thickness, down.thickness) / 2 + 1;
        if (down.cross >= across.start - reach && down.cross <= across.end + reach &&
            across.cross >= down.start - reach && across.cross <= down.end + reach) {
          horizontal_meets[h] = vertical_meets[v] = true;
        }
      }
    }
    Batch meeting;
    for (size_t h = 0; h < batch.horizontal.size(); ++h) {
      if (horizontal_meets[h]) meeting.horizontal.push_back(batch.horizontal[h]);
    }
    for (size_t v = 0; v < batch.vertical.size(); ++v) {
      if (vertical_meets[v]) meeting.vertical.push_back(batch.vertical[v]);
    }
    kept += meeting.horizontal.size() + meeting.vertical.size();
    batches.push_back(std::move(meeting));
    horizontal_done = horizontal_end;
    vertical_done = vertical_end;
  };
  for (const Eraser& eraser : erasers) close_batch(eraser.horizontal_before, eraser.vertical_before);
  close_batch(horizontal.size(), vertical.size());
  if (kept == 0) return ink;  // an empty mask: no ruling lines

  ink.mask.assign(static_cast<size_t>(ink.width_px) * static_cast<size_t>(ink.height_px), 0);
  cv::Mat mask = as_mat(ink);
  for (const cv::Rect& bar : bars) mask(bar).setTo(255);
  auto draw = [&mask](const Segment& segment, bool is_horizontal) {
    const auto fixed = [](double px) {
      return static_cast<int>(std::lround(std::clamp(px, -1e5, 1e5) * kOne));
    };
    const cv::Point a = is_horizontal ? cv::Point(fixed(segment.start), fixed(segment.cross))
                                      : cv::Point(fixed(segment.cross), fixed(segment.start));
    const cv::Point b = is_horizontal ? cv::Point(fixed(segment.end), fixed(segment.cross))
                                      : cv::Point(fixed(segment.cross), fixed(segment.end));
    cv::line(mask, a, b, cv::Scalar(255),
             std::clamp(static_cast<int>(std::lround(segment.thickness)), 1, 255), cv::LINE_8, kShift);
  };
  for (size_t i = 0; i < batches.size(); ++i) {
    for (const Segment& segment : batches[i].horizontal) draw(segment, true);
    for (const Segment& segment : batches[i].vertical) draw(segment, false);
    if (i < erasers.size()) {
      const Eraser& eraser = erasers[i];
      cv::Mat target = mask(eraser.clip);
      paint(target, *eraser.path, polygons_of(eraser.path->subpaths, scale, eraser.clip.tl()), scale, 0);
    }
  }
  return ink;
}

}  // namespace exadoc::layout::native
