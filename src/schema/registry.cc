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

Registry::ResolvedPath Registry::resolve_path(const Model& start, std::string_view path,
                                              OnBadPath on_bad) const {
  using Stop = ResolvedPath::Stop;
  ResolvedPath out;
  size_t pos = 0;
  while (true) {
    size_t dot = path.find('.', pos);
    out.segments.push_back(path.substr(pos, dot == path.npos ? path.npos : dot - pos));
    if (dot == path.npos)
      break;
    pos = dot + 1;
  }
  out.model = &start;
  for (size_t i = 0; i < out.segments.size(); ++i) {
    std::string_view seg = out.segments[i];
    out.field = out.model->field(seg);
    if (!out.field) {
      out.stop = Stop::kNoField;
      break;
    }
    out.steps.push_back({out.model, out.field});
    if (i + 1 == out.segments.size())
      break;
    if (!out.field->is_relational()) {
      out.stop = Stop::kNotRelational;
      break;
    }
    const Model* next = find(out.field->relation);
    if (!next) {
      out.stop = Stop::kNoModel;
      break;
    }
    out.model = next;
  }
  if (out.stop == Stop::kNone || on_bad == OnBadPath::kStop)
    return out;
  switch (out.stop) {
    case Stop::kNoField:
      throw common::ValueError(fmt::format("Invalid field '{}' on model '{}' (in path '{}')",
                                           out.segments[out.steps.size()], out.model->name(),
                                           path));
    case Stop::kNotRelational:
      throw common::ValueError(fmt::format(
          "Invalid path '{}': field '{}' of '{}' is not relational and cannot be followed", path,
          out.field->name, out.model->name()));
    case Stop::kNoModel:
      throw common::ValueError(fmt::format("Invalid path '{}': the model '{}' does not exist", path,
                                           out.field->relation));
    case Stop::kNone:
      break;
  }
  return out;
}

}  // namespace autorules::schema
