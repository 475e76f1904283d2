// Webhook rules as records: their URL and the rotation of their secret.
#pragma once

#include "common/json.h"
#include "orm/recordset.h"
#include "orm/runtime.h"

namespace autorules::automation::internal {

// base.automation/action_rotate_webhook_uuid: a new secret; the old URL answers 404 at once.
// And `url`, computed when read: "<web.base.url>/web/hook/<webhook_uuid>" for on_webhook rules,
// false for the others.
void register_webhook_methods(orm::Runtime& runtime);

}  // namespace autorules::automation::internal
