// Tests of models and fields as records: the OrmTest database, with a helper for
// ir.model.fields command rows and a run-time model x_ticket (x_name, x_qty, x_partner_id).
#pragma once

#include <string>

#include "orm_fixture.h"

namespace autorules::orm::test {

// The (0, 0, vals) command that creates field `name` of type `ttype`, with `extra` values.
inline Json field(const std::string& name, const std::string& ttype, Json extra = Json::object()) {
  Json f = {{"name", name}, {"ttype", ttype}, {"field_description", name}};
  for (const auto& [k, v] : extra.items())
    f[k] = v;
  return Json::array({0, 0, f});
}

class IrModelTest : public OrmTest {
 protected:
  void make_ticket_model() {
    Env e = env();
    e["ir.model"].create(
        Json{{"name", "Ticket"},
             {"model", "x_ticket"},
             {"field_id",
              Json::array({field("x_name", "char"), field("x_qty", "integer"),
                           field("x_partner_id", "many2one", {{"relation", "res.partner"}})})}});
    e.commit();
  }
};

}  // namespace autorules::orm::test
