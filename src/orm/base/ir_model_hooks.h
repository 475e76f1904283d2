// The hooks of ir.model, ir.model.fields and ir.model.fields.selection: creating, changing and
// deleting those records checks them (Odoo's rules and messages) and turns them into schema
// changes (tables, columns, the registry) inside the caller's transaction, published when it
// commits. Thread-safety: registered once before serving; each hook runs in its caller's
// transaction.
#pragma once

#include "orm/runtime.h"

namespace autorules::orm {

// Registers the hooks of ir.model, ir.model.fields and ir.model.fields.selection.
void register_ir_model_hooks(Runtime& runtime);

}  // namespace autorules::orm
