// What the HTML parser is given is bounded before it reads it. libxml2's HTML parser compares
// each attribute of a start tag with every earlier one of the same tag (to drop duplicates): a
// tag with n attributes costs n²/2 comparisons, so 4 MiB of "a1=1 a2=1 ..." in one tag would
// keep a core busy for minutes. The HTML readers (sanitize_html, html_to_text) count first.
#pragma once

#include <cstddef>
#include <string_view>

namespace autorules::mail::internal {

// More attributes than this on one tag: sanitize_html refuses the HTML, html_to_text reads it
// without the parser. Real mail and rich text use a handful per tag.
inline constexpr std::size_t kMaxAttributesPerTag = 256;

// The largest number of attributes on one start tag of `html`, read as the HTML parser reads
// start tags ("<" and a letter, then names, each with an optional "=" value, quoted or not,
// separated or not by blanks, up to ">"); an upper bound of what the parser will see. Linear.
std::size_t max_attributes_per_tag(std::string_view html);

}  // namespace autorules::mail::internal
