#include "mail/template.h"

#include <memory>
#include <string>
#include <unordered_map>

#include <fmt/format.h>

#include "common/errors.h"
#include "common/mutex.h"
#include "common/text.h"
#include "mail/internal/qweb.h"
#include "script/sandbox.h"
#include "script/template.h"

namespace autorules::mail {

namespace {

// The compiled QWeb templates of one runtime, by source. Bounded by count and by the bytes of the
// sources kept; when either would be passed it starts again empty (templates are few, and a
// miss costs one compilation).
class QwebCache {
 public:
  std::shared_ptr<const script::Template> get(std::string_view source) EXCLUDES(mutex_) {
    {
      common::MutexLock lock(mutex_);
      auto it = entries_.find(std::string(source));
      if (it != entries_.end())
        return it->second;
    }
    // Compiled outside the lock: two threads may compile the same source, the last one is kept.
    std::shared_ptr<const script::Template> compiled =
        script::compile_template(internal::compile_qweb(source));
    common::MutexLock lock(mutex_);
    if (entries_.size() >= kEntries || bytes_ + source.size() > kBytes) {
      entries_.clear();
      bytes_ = 0;
    }
    if (entries_.emplace(std::string(source), compiled).second)
      bytes_ += source.size();
    return compiled;
  }

 private:
  static constexpr std::size_t kEntries = 256;
  static constexpr std::size_t kBytes = 32u << 20;

  common::Mutex mutex_;
  std::unordered_map<std::string, std::shared_ptr<const script::Template>> entries_
      GUARDED_BY(mutex_);
  std::size_t bytes_ GUARDED_BY(mutex_) = 0;
};

// Renders with `render`, turning its errors into Odoo's "Failed to render ..." UserError; a
// conflict or an internal error goes through as itself.
template <class F>
std::string rendered(std::string_view engine, std::string_view name, F&& render) {
  try {
    return render();
  } catch (const common::Error& e) {
    if (e.kind() == common::ErrorKind::kConflict || e.kind() == common::ErrorKind::kInternal)
      throw;
    common::throw_error(common::ErrorKind::kUser,
                        fmt::format("Failed to render {} template {}: {}", engine,
                                    common::truncate_utf8(name, 200), e.what()),
                        e.rule());
  }
}

}  // namespace

std::string render_inline(std::string_view text, const orm::RecordSet& record,
                          std::string_view name) {
  return rendered("inline_template", name, [&] { return script::render_template(text, record); });
}

std::string render_qweb(std::string_view source, const orm::RecordSet& record,
                        std::string_view name) {
  return rendered("QWeb", name, [&] {
    std::shared_ptr<const script::Template> compiled =
        record.env().runtime().component<QwebCache>().get(source);
    return script::render(*compiled, record);
  });
}

}  // namespace autorules::mail
