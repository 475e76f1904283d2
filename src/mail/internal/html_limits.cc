#include "mail/internal/html_limits.h"

#include <algorithm>

namespace autorules::mail::internal {
namespace {

bool blank(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}
bool letter(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

}  // namespace

std::size_t max_attributes_per_tag(std::string_view html) {
  std::size_t most = 0;
  const std::size_t n = html.size();
  std::size_t i = 0;
  while (i < n) {
    // The next start tag: "<" and a letter.
    std::size_t open = html.find('<', i);
    if (open == std::string_view::npos || open + 1 >= n)
      break;
    i = open + 1;
    if (!letter(html[i]))
      continue;
    while (i < n && !blank(html[i]) && html[i] != '>' && html[i] != '/')
      ++i;  // the tag's name
    std::size_t count = 0;
    while (i < n && html[i] != '>') {
      char c = html[i];
      if (blank(c) || c == '/') {
        ++i;
        continue;
      }
      // An attribute: its name (anything up to a blank, "=", "/" or ">"; a quote included, as
      // the parser reads a name that starts with one).
      ++count;
      while (i < n && !blank(html[i]) && html[i] != '=' && html[i] != '>' && html[i] != '/')
        ++i;
      std::size_t j = i;
      while (j < n && blank(html[j]))
        ++j;
      if (j >= n || html[j] != '=')
        continue;
      // Its value: quoted (up to the same quote, or the end) or not (up to a blank or ">").
      ++j;
      while (j < n && blank(html[j]))
        ++j;
      if (j < n && (html[j] == '"' || html[j] == '\'')) {
        std::size_t close = html.find(html[j], j + 1);
        i = close == std::string_view::npos ? n : close + 1;
      } else {
        while (j < n && !blank(html[j]) && html[j] != '>')
          ++j;
        i = j;
      }
    }
    most = std::max(most, count);
  }
  return most;
}

}  // namespace autorules::mail::internal
