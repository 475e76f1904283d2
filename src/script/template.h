// Templates run by the sandbox (docs/templates.md): a template is compiled once into checked
// Python code, then rendered for any number of records, each render one evaluation under the
// sandbox's limits. The inline {{ }} language is compiled here (render_template, sandbox.h);
// QWeb sources are parsed by mail/ (mail/internal/qweb.h) into a *program*, compiled here.
//
// A program (JSON) is what a template's text becomes: no text of the template is ever code.
//   {"engine": "qweb" | "inline",
//    "sites": [[line, where, expression], ...],   // e.g. [3, "t-out", "object.name"]
//    "code": [instruction, ...]}
// `line` is the template's line, `where` the directive ("" for inline), `expression` Python (or
// "" for a site without one). Instructions, arrays whose first item names them (a site is its
// index in "sites"; `parts` mixes texts and sites):
//   ["text", html]                      writes html (already escaped) as it is
//   ["if", site] ... [["elif", site] ...] [["else"] ...] ["end"]
//   ["ifvalue", site] ... [["else"] ...] ["end"]   runs when the value is neither None nor False
//   ["emit"]                            writes the value of the innermost ifvalue (t-out: escaped
//                                       unless Markup)
//   ["foreach", site, name] ... ["end"]  Odoo's t-foreach/t-as (name, name_index, ...)
//   ["set", site, name]                 name = the site's value
//   ["setf", site, name, parts]          name = the parts joined (t-valuef)
//   ["capture", site, name] ... ["end"]  name = Markup of what the body writes (t-set's body)
//   ["tag", site, tag, void, items]      an opening tag; items ["s", name, text] (static),
//                                       ["e", name, site], ["f", name, parts], ["d", "", site]
//                                       (t-att: a dict or pairs); see template.py
//   ["inline", site, default]            {{ expression ||| default }}
//
// Errors: compile_template() gives a common::ValueError "line N, <directive>: <why>" for an
// expression that does not compile or that the sandbox refuses, and for a malformed program.
// render() gives the sandbox's errors (sandbox.h) with "line N, <directive>: " before them (the
// site that raised), and a ValueError past the limit on the rendered text; a conflict or an
// internal error under the template reaches the caller as itself.
//
// Thread-safety: a Template is immutable and may be rendered from any thread at once; rendering
// takes the GIL (released while the ORM works), as every evaluation does.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "common/json.h"
#include "orm/recordset.h"

namespace autorules::script {

// The longest text a template may render: 1 MiB (in characters while it renders, then in bytes).
inline constexpr std::size_t kMaxRenderedBytes = 1u << 20;
// How many expressions a template may have, and their length in all: compiling runs before the
// time limit, holding the GIL, at about 0.25 ms per expression and 1 s per 256 KiB of code.
inline constexpr std::size_t kMaxExpressions = 2000;
inline constexpr std::size_t kMaxExpressionBytes = 128u << 10;

class Template {
 public:
  struct Code;  // the compiled code and its sites (template.cc)
  explicit Template(std::unique_ptr<Code> code);
  ~Template();  // takes the GIL
  Template(const Template&) = delete;
  Template& operator=(const Template&) = delete;

  const Code& code() const { return *code_; }

 private:
  std::unique_ptr<Code> code_;
};

// Compiles a program (above). ValueError saying where and why when it cannot, and for one with
// more than kMaxExpressions expressions or kMaxExpressionBytes of them.
std::shared_ptr<const Template> compile_template(const common::Json& program);

// Renders a compiled template with `object` bound to `record` (whatever its size; `record` is
// also set when it is one record) and the context of docs/templates.md (ctx, user, format_date,
// format_datetime, format_amount, format_duration, is_html_empty, Markup, ...), in the record's
// env (its user, context and superuser mode).
std::string render(const Template& compiled, const orm::RecordSet& record);

// How many templates this process compiled so far (a counter, for tests and figures: a template
// rendered for many records is compiled once).
std::size_t templates_compiled();

// The program of an inline template: its text, and each "{{ expression ||| default }}" (the
// default optional: literal text, blanks around it removed) as an ["inline"] instruction whose
// site is on the line of its "{{". ValueError for a "{{" without its "}}".
common::Json inline_program(std::string_view text);

}  // namespace autorules::script
