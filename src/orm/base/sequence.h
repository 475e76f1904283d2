// ir.sequence (docs/automation.md, "Sequences"): numbers with prefixes and suffixes, per
// calendar-year subsequences, standard and no_gap implementations. Numbers are taken with one
// atomic UPDATE ... RETURNING in the caller's transaction, so concurrent callers never get the same
// number (the database serialises writers).
#pragma once

#include <optional>
#include <string>

#include "common/datetime.h"
#include "orm/recordset.h"

namespace autorules::orm {

// The next number of one sequence, formatted. `date` is the effective date of %(year)s etc.
// and of the subsequence (else context ir_sequence_date, else today).
std::string next_by_id(const RecordSet& sequence, std::optional<common::Date> date = std::nullopt);
// The next number of the active sequence with `code`, or nullopt when there is none.
std::optional<std::string> next_by_code(const Env& env, const std::string& code,
                                        std::optional<common::Date> date = std::nullopt);

// Registers ir.sequence's hooks (step 0 refused, counters kept in step) and methods
// (next_by_code, next_by_id).
void register_sequences(Runtime& runtime);

}  // namespace autorules::orm
