#include "api/method_call.h"

#include <optional>

#include "api/base_url.h"
#include "common/errors.h"
#include "orm/methods.h"
#include "orm/write_group.h"

namespace autorules::api {

using common::Json;

Json run_method_call(orm::Runtime& runtime, const std::string& model, const std::string& method,
                     const std::string& host,
                     const std::function<common::Id(const orm::Env& txn)>& authenticate,
                     const std::function<CallArguments()>& arguments, common::Id* caller) {
  const bool readonly = orm::is_readonly_method(runtime, model, method);
  std::optional<std::string> learnt;
  auto call = [&](const orm::Env& txn) -> Json {
    common::Id uid = authenticate(txn);
    if (caller)
      *caller = uid;
    CallArguments args = arguments();
    orm::Env env = txn.with_user(uid).with_context(std::move(args.context));
    Json out = orm::call_method(env, model, method, args.ids, args.params);
    if (learning_base_url(runtime) && env.is_system())
      learnt = base_url_of_host(host);
    env.commit();
    return out;
  };
  Json result = common::retry_on_conflict([&]() -> Json {
    if (readonly)
      return call(orm::Env::begin(runtime, 0, store::Access::kRead));
    return orm::run_write(runtime, call);  // shares a transaction with concurrent writes
  });
  if (learnt)
    learn_base_url(runtime, *learnt);
  return result;
}

}  // namespace autorules::api
