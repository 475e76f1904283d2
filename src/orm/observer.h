// Observer: how a higher layer (the automation engine) sees what the ORM does, without the ORM
// knowing about it. The ORM calls every registered observer that watches() a model around each
// create, write (the caller's writes and the writes made by recomputing stored related/computed
// fields alike) and unlink, inside the same transaction, with the old values of written fields.
// An exception from an observer aborts the operation and, through the caller, the transaction.
//
// Observers are registered on the Runtime at start-up and must be thread-safe: calls from
// different transactions run concurrently.
#pragma once

#include <any>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/json.h"
#include "common/value.h"
#include "schema/model.h"

namespace autorules::orm {

class Env;
class RecordSet;

// Old values of the written fields, per record id then field name.
using OldValues = std::unordered_map<common::Id, std::unordered_map<std::string, common::Value>>;

// What an operation does to records, for Observer::watches.
enum class Event { kCreate, kWrite, kUnlink };

enum class WriteOrigin {
  kCaller,     // a write() call (API, user code, action)
  kRecompute,  // the ORM recomputing a stored related or computed field
};

class Observer {
 public:
  virtual ~Observer() = default;
  // Cheap: consulted on every operation before anything else is done for this observer; an
  // observer that answers false is not called for that operation, and a write nobody watches
  // reads no old values. `fields` are the written fields (kWrite), else empty.
  virtual bool watches(const Env& env, const schema::Model& model, Event event,
                       const std::vector<std::string>& fields) const = 0;

  // Before records are inserted; `vals_list` as given by the caller (may be inspected only).
  virtual void before_create(const Env& env, const schema::Model& model,
                             const common::Json& vals_list);
  // After the records exist, with their defaults, x2many links and recomputed fields.
  virtual void after_create(const Env& env, const RecordSet& records);

  // Before `fields` of `records` change (values still the old ones). The returned state is
  // handed back to after_write of the same operation.
  virtual std::any before_write(const Env& env, const RecordSet& records,
                                const std::vector<std::string>& fields, WriteOrigin origin);
  virtual void after_write(const Env& env, const RecordSet& records,
                           const std::vector<std::string>& fields, const OldValues& old_values,
                           WriteOrigin origin, std::any& state);

  // Before records are deleted (they can still be read), and after.
  virtual void before_unlink(const Env& env, const RecordSet& records);
  virtual void after_unlink(const Env& env, const schema::Model& model, const common::IdList& ids);
};

}  // namespace autorules::orm
