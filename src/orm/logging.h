// Rows of ir.logging that must survive the transaction that writes them (a failed webhook call,
// a record that failed in the time check, log() in user code): inserted once the transaction
// has ended, committed or not, in a transaction of their own.
#pragma once

#include <string>

#include "orm/env.h"

namespace autorules::orm {

struct LogRow {
  std::string name;   // the logger ("Webhook Log", "autorules.automation", ...)
  std::string level;  // INFO, WARNING, ERROR
  std::string message;
  std::string path;  // what it is about, e.g. "base_automation(7)"
  std::string func = "-";
  std::string line = "0";
};

void log_after_end(const Env& env, LogRow row);

}  // namespace autorules::orm
