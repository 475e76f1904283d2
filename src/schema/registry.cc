#include "schema/registry.h"

#include <fmt/format.h>

#include "common/errors.h"

namespace autorules::schema {

const Model* Registry::find(std::string_view name) const {
  auto it = models_.find(name);
  return it == models_.end() ? nullptr : it->second.get();
}

const Model& Registry::get(std::string_view name) const {
  const Model* m = find(name);
  if (!m) {
    throw common::NotFoundError(fmt::format("the model '{}' does not exist", name));
  }
  return *m;
}

std::shared_ptr<const Model> Registry::shared(std::string_view name) const {
  auto it = models_.find(name);
  return it == models_.end() ? nullptr : it->second;
}

void Registry::put(std::shared_ptr<const Model> model) {
  std::string name = model->name();
  models_[name] = std::move(model);
}

void Registry::remove(std::string_view name) {
  auto it = models_.find(name);
  if (it != models_.end()) {
    models_.erase(it);
  }
}

std::vector<const Model*> Registry::models() const {
  std::vector<const Model*> out;
  out.reserve(models_.size());
  for (const auto& [_, m] : models_) {
    out.push_back(m.get());
  }
  return out;
}

Registry::PathEnd Registry::resolve_path(const Model& start, std::string_view path) const {
  const Model* model = &start;
  size_t pos = 0;
  while (true) {
    size_t dot = path.find('.', pos);
    std::string_view seg = path.substr(pos, dot == std::string_view::npos ? path.npos : dot - pos);
    const Field* f = model->field(seg);
    if (!f) {
      throw common::ValueError(
          fmt::format("Invalid field '{}' on model '{}' (in path '{}')", seg, model->name(), path));
    }
    if (dot == std::string_view::npos) {
      return {model, f};
    }
    if (!f->is_relational()) {
      throw common::ValueError(fmt::format(
          "Invalid path '{}': field '{}' of '{}' is not relational and cannot be followed", path,
          seg, model->name()));
    }
    const Model* next = find(f->relation);
    if (!next) {
      throw common::ValueError(
          fmt::format("Invalid path '{}': the model '{}' does not exist", path, f->relation));
    }
    model = next;
    pos = dot + 1;
  }
}

}  // namespace autorules::schema
