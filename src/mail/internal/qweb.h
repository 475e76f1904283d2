// The QWeb compiler (docs/templates.md): parses a template's source with libxml2 and turns it
// into a program for the sandbox (script/template.h), which compiles and runs it. The source is
// an XML fragment, wrapped in a <t> root as Odoo wraps it in a <div> (so it may have several
// top elements and text around them); it must be well-formed XML, except that HTML's named
// character entities (&nbsp;, &eacute;, ...) are known. Static text and attributes are escaped
// again on output, comments and processing instructions are dropped, void elements are written
// <br/> and other empty elements <div></div>.
//
// Directives: t-if, t-elif, t-else; t-foreach with t-as; t-set with t-value, t-valuef or a body;
// t-out, t-esc and t-raw (all three escape unless the value is Markup); t-att, t-att-<name>,
// t-attf-<name>. Anything else starting with "t-" is refused.
//
// Errors: common::ValueError "line N: <why>" for a source over kMaxSourceBytes, one that is not
// well-formed, an unknown or misplaced directive, elements nested deeper than kMaxDepth or loops
// deeper than kMaxLoops. Thread-safety: compile_qweb() may run on any thread at once.
#pragma once

#include <cstddef>
#include <string_view>

#include "common/json.h"

namespace autorules::mail::internal {

// The longest source compiled.
inline constexpr std::size_t kMaxSourceBytes = 512u << 10;
// How deep elements may nest (libxml2 itself stops at 256), and t-foreach loops within each
// other (Python's compiler allows 20 nested loops).
inline constexpr int kMaxDepth = 100;
inline constexpr int kMaxLoops = 16;

// The program of a QWeb source (script/template.h).
common::Json compile_qweb(std::string_view source);

}  // namespace autorules::mail::internal
