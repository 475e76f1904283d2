// The web interface's files, served by the server itself (docs/web.md): what scripts/build-web
// builds from web/ into a directory (web/dist in a checkout, <prefix>/share/autorules/web once
// installed), read whole into memory at start.
//
//  - Only the files read at start exist: a path is looked up in a table, never joined to the
//    directory, so no request reaches a file outside it (no "..", no symbolic link followed later).
//  - `/` is index.html, the one page; the interface's own places are in the URL's fragment
//    (/#/rules/7), which never reaches the server.
//  - `/assets/...` are content-hashed names: cached for a year, immutable. Everything else (the
//    page itself) is revalidated each time, by its ETag.
//  - Each file's gzip form, when the build made one (name.gz), is sent to clients that accept it.
//
// Thread-safety: immutable after construction; find() from any thread.
#pragma once

#include <cstddef>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace autorules::api {

struct StaticFile {
  std::string content_type;
  std::string body;
  std::string gzip_body;  // "" when the build made none
  std::string etag;       // quoted
  bool immutable = false;
};

class StaticFiles {
 public:
  // Reads every regular file under `root` (at most kMaxFiles and kMaxBytes in all; more is an
  // error at start). A missing root gives no files: the server then answers "/" with a page
  // saying how to build the interface.
  explicit StaticFiles(const std::filesystem::path& root);

  static constexpr std::size_t kMaxFiles = 2000;
  static constexpr std::size_t kMaxBytes = 64u << 20;

  // The file for a request path ("/", "/assets/app-1a2b.js"), or nullptr.
  const StaticFile* find(std::string_view path) const;
  bool empty() const { return files_.empty(); }
  std::size_t size() const { return files_.size(); }

 private:
  std::map<std::string, StaticFile, std::less<>> files_;  // "/index.html", "/assets/..."
};

// The content type of a file name, by its extension ("application/octet-stream" when unknown).
std::string content_type_of(std::string_view name);

}  // namespace autorules::api
