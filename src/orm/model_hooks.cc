#include "orm/model_hooks.h"

#include "orm/observer.h"

namespace autorules::orm {

void ModelHooks::before_create(const Env&, const std::string&, common::Json&) {}
void ModelHooks::after_create(const RecordSet&, const common::Json&) {}
void ModelHooks::before_write(const RecordSet&, common::Json&) {}
void ModelHooks::after_write(const RecordSet&, const common::Json&) {}
void ModelHooks::before_unlink(const RecordSet&) {}
void ModelHooks::after_unlink(const Env&, const std::string&, const common::IdList&) {}
void ModelHooks::copy_data(const RecordSet&, common::Json&) {}

void Observer::before_create(const Env&, const schema::Model&, const common::Json&) {}
void Observer::after_create(const Env&, const RecordSet&) {}
std::any Observer::before_write(const Env&, const RecordSet&, const std::vector<std::string>&,
                                WriteOrigin) {
  return {};
}
void Observer::after_write(const Env&, const RecordSet&, const std::vector<std::string>&,
                           const OldValues&, WriteOrigin, std::any&) {}
void Observer::before_unlink(const Env&, const RecordSet&) {}
void Observer::after_unlink(const Env&, const schema::Model&, const common::IdList&) {}

}  // namespace autorules::orm
