// ir.sequence and ir.sequence.date_range (docs/automation.md, "Sequences"). The counters:
// number_next_actual for the "standard" implementation (number_next keeps the configured start, as
// in Odoo), and number_next for "no_gap" (number_next_actual mirrors it).
#include "schema/builtin/builtin.h"

namespace autorules::schema::builtin {

void add_sequence_models(Registry& r) {
  Model seq("ir.sequence", "Sequence");
  seq.set_order("name, id");
  seq.add(char_field("name", "Name").required());
  seq.add(char_field("code", "Sequence Code").index());
  seq.add(selection_field("implementation", "Implementation",
                          {{"standard", "Standard"}, {"no_gap", "No gap"}})
              .required()
              .def("standard"));
  seq.add(boolean_field("active", "Active").def(true));
  seq.add(char_field("prefix", "Prefix").help("Prefix value of the record for the sequence"));
  seq.add(char_field("suffix", "Suffix").help("Suffix value of the record for the sequence"));
  seq.add(integer_field("number_next", "Next Number").required().def(1));
  seq.add(integer_field("number_next_actual", "Actual Next Number")
              .help("The next number this sequence will give"));
  seq.add(integer_field("number_increment", "Step").required().def(1));
  seq.add(integer_field("padding", "Sequence Size").required().def(0));
  seq.add(boolean_field("use_date_range", "Use subsequences per date_range"));
  seq.add(one2many("date_range_ids", "Subsequences", "ir.sequence.date_range", "sequence_id"));
  r.put(std::move(seq));

  Model range("ir.sequence.date_range", "Sequence Date Range");
  range.set_order("date_from, id");
  range.add(date_field("date_from", "From").required());
  range.add(date_field("date_to", "To").required());
  range.add(many2one("sequence_id", "Main Sequence", "ir.sequence")
                .required()
                .ondelete(OnDelete::kCascade));
  range.add(integer_field("number_next", "Next Number").required().def(1));
  range.add(integer_field("number_next_actual", "Actual Next Number"));
  r.put(std::move(range));
}

}  // namespace autorules::schema::builtin
