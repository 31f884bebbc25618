#pragma once

#include <QString>
#include <cstdint>

// How numbers read everywhere in the window: short, with a unit a blog post
// can quote ("3.23 M params", "9.9 MFLOP", "58 MB", "1:45").
namespace fmt {

QString count(int64_t value);      // 160, 12.5 k, 3.23 M
QString flops(int64_t value);      // 640 FLOP, 9.9 MFLOP, 1.2 GFLOP
QString bytes(int64_t value);      // 512 B, 58 MB
QString duration(double seconds);  // 0:07, 1:45, 1:02:03
QString grouped(int64_t value);    // 60,000
QString percent(double fraction);  // 97.3%

}  // namespace fmt
