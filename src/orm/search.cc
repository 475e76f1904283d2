#include "orm/internal/search.h"

#include <set>

#include <fmt/format.h>

#include "common/errors.h"
#include "domain/evaluate.h"
#include "domain/sql.h"
#include "orm/internal/db_source.h"
#include "orm/internal/rows.h"
#include "orm/recordset.h"

namespace autorules::orm {

using common::Id;
using common::IdList;
using common::Value;

domain::Domain parse_domain(const Env& env, std::string_view text) {
  try {
    return domain::Domain::from_text(text);
  } catch (const domain::ExpressionInDomain&) {
    const DomainEvaluator& evaluate = env.runtime().domain_evaluator();
    if (!evaluate)
      throw;
    return domain::Domain::from_json(evaluate(env, std::string(text)));
  }
}

namespace {

// A domain searched by a user reaches only what that user may read: every model a path or a
// sub-domain crosses, and every field it names (Odoo raises AccessError the same way). Superuser
// mode (rules' filters, the ORM's own searches) checks nothing.
class UserSearchAccess final : public domain::SearchAccess {
 public:
  explicit UserSearchAccess(const Env& env) : env_(env) {}
  void check_model(const schema::Model& model) override {
    if (checked_.insert(model.name()).second)
      env_[model.name()].check_access(RecordSet::Operation::kRead);
  }
  void check_field(const schema::Model& model, const schema::Field& field) override {
    check_field_access(env_, model, field);
  }

 private:
  const Env& env_;
  std::set<std::string> checked_;
};

bool checks_access(const Env& env) {
  return !env.su() && env.uid() != kSuperuserId;
}

}  // namespace

domain::Resolved resolve_domain(const Env& env, const schema::Model& model,
                                const domain::Domain& d) {
  DbRecordSource names(env.sudo());
  if (!checks_access(env))
    return domain::resolve(d, model, env.registry(), &names);
  UserSearchAccess access(env);
  return domain::resolve(d, model, env.registry(), &names, &access);
}

domain::SqlCondition where_clause(const Env& env, const schema::Model& model,
                                  const domain::Domain& d, bool active_test) {
  domain::Domain full = d;
  const std::string& active = model.active_field();
  if (active_test && !active.empty() && !d.mentions(active)) {
    full = domain::Domain::conjoin(domain::Domain::term(active, domain::Op::kEq, true), d);
  }
  domain::Resolved r = resolve_domain(env, model, full);
  return domain::to_sql(r, env.registry(), env.cr().dialect(), "t");
}

IdList search_ids(const Env& env, const schema::Model& model, const domain::Domain& d,
                  const SearchOptions& options, bool active_test) {
  if (options.offset < 0) {
    throw common::ValueError("offset must be a non-negative integer");
  }
  if (options.limit && *options.limit < 0) {
    throw common::ValueError("limit must be a non-negative integer or null");
  }
  domain::SqlCondition where = where_clause(env, model, d, active_test);
  std::string sql = fmt::format("SELECT t.\"id\" FROM {} AS t WHERE {} ORDER BY {}",
                                env.cr().dialect().quote(model.table()), where.sql,
                                order_by_sql(env, model, options.order, "t"));
  if (options.limit || options.offset) {
    sql += " LIMIT ? OFFSET ?";
    where.params.emplace_back(options.limit ? *options.limit : std::int64_t{-1});
    where.params.emplace_back(options.offset);
  }
  IdList out;
  env.cr().query(sql, where.params, [&](const store::RowView& r) { out.push_back(r.int64(0)); });
  return out;
}

RecordSet RecordSet::search(const domain::Domain& d, const SearchOptions& options) const {
  check_access(Operation::kRead);
  return browse(search_ids(env_, model(), d, options, env_.active_test()));
}

std::int64_t RecordSet::search_count(const domain::Domain& d,
                                     std::optional<std::int64_t> limit) const {
  check_access(Operation::kRead);
  domain::SqlCondition where = where_clause(env_, model(), d, env_.active_test());
  std::string sql = fmt::format("SELECT COUNT(*) FROM {} AS t WHERE {}",
                                env_.cr().dialect().quote(model().table()), where.sql);
  if (limit) {
    sql = fmt::format("SELECT COUNT(*) FROM (SELECT 1 FROM {} AS t WHERE {} LIMIT ?)",
                      env_.cr().dialect().quote(model().table()), where.sql);
    where.params.emplace_back(*limit);
  }
  return env_.cr().scalar(sql, where.params).as_int();
}

RecordSet RecordSet::filtered_domain(const domain::Domain& d) const {
  if (ids_.empty())
    return *this;
  DbRecordSource source(env_.sudo());
  domain::Resolved r = resolve_domain(env_, model(), d);
  return browse(domain::filter(r, ids_, source));
}

}  // namespace autorules::orm
