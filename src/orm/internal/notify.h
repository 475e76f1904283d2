// Small helpers shared by create/write/unlink: which observers watch a model, and the
// propagation of a many2one change to the one2many fields that mirror it.
#pragma once

#include <string>
#include <vector>

#include "orm/env.h"
#include "orm/observer.h"

namespace autorules::orm {

std::vector<Observer*> watchers(const Env& env, const schema::Model& model, Event event,
                                const std::vector<std::string>& fields = {});

// The one2many fields mirroring many2one `field` of `model` changed on the parents `parents`.
void propagate_inverse(const Env& env, const schema::Model& model, const schema::Field& field,
                       const common::IdList& parents);

// Old values of `fields` (stored ones) for `ids`.
OldValues snapshot(const Env& env, const schema::Model& model,
                   const std::vector<std::string>& fields, const common::IdList& ids);

}  // namespace autorules::orm
