// Rows of ir.logging that must survive the transaction that writes them (a failed webhook call,
// a record that failed in the time check, log() in user code): inserted once the transaction
// has ended, committed or not, in a transaction of their own.
//
// Bounded whatever writes them: a message is cut at kMaxLogMessageBytes, and one transaction
// queues at most kMaxLogRowsPerTransaction rows, then one more row saying how many were dropped.
// Code that loops on log() (user code does) can neither store a 400 MB row nor a million rows.
//
// Thread-safety: as the Env (one transaction is used by one thread at a time).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "orm/env.h"

namespace autorules::orm {

inline constexpr std::size_t kMaxLogMessageBytes = 64u << 10;
inline constexpr std::size_t kMaxLogRowsPerTransaction = 1000;

struct LogRow {
  std::string name;   // the logger ("Webhook Log", "autorules.automation", ...)
  std::string level;  // INFO, WARNING, ERROR
  std::string message;
  std::string path;  // what it is about, e.g. "base_automation(7)"
  std::string func = "-";
  std::string line = "0";
};

// Queues `row` to be inserted after `env`'s transaction ends (all of a transaction's rows in one
// transaction of their own). Its message is cut at kMaxLogMessageBytes; past
// kMaxLogRowsPerTransaction rows in one transaction, rows are dropped and counted.
void log_after_end(const Env& env, LogRow row);

// `text` cut to at most `max_bytes` bytes (the marker included), on a UTF-8 code point
// boundary, ending with "… (truncated, <whole>)", e.g. whole = "419430400 characters": the size
// of the text before it was cut, in the caller's unit.
std::string cut_text(std::string_view text, std::size_t max_bytes, std::string_view whole);

}  // namespace autorules::orm
