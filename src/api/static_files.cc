#include "api/static_files.h"

#include <fstream>
#include <iterator>
#include <system_error>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "common/errors.h"
#include "orm/crypto.h"

namespace autorules::api {

namespace fs = std::filesystem;

namespace {

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in)
    throw common::UserError(fmt::format("cannot read {}", p.string()));
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

}  // namespace

std::string content_type_of(std::string_view name) {
  struct Type {
    std::string_view ext, type;
  };
  static constexpr Type kTypes[] = {
      {".html", "text/html; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".mjs", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".json", "application/json; charset=utf-8"},
      {".map", "application/json; charset=utf-8"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".ico", "image/x-icon"},
      {".woff2", "font/woff2"},
      {".txt", "text/plain; charset=utf-8"},
      {".webmanifest", "application/manifest+json"},
  };
  for (const Type& t : kTypes) {
    if (name.size() >= t.ext.size() && name.substr(name.size() - t.ext.size()) == t.ext)
      return std::string(t.type);
  }
  return "application/octet-stream";
}

StaticFiles::StaticFiles(const fs::path& root) {
  std::error_code ec;
  if (root.empty())
    return;  // no interface asked for
  if (!fs::is_directory(root, ec)) {
    spdlog::warn("the web interface is not built ({} is missing): `make build` builds it",
                 root.string());
    return;
  }
  std::size_t bytes = 0;
  // Not following symbolic links: a link in the build output to elsewhere is not served.
  for (auto it = fs::recursive_directory_iterator(root, ec); !ec && it != fs::end(it);
       it.increment(ec)) {
    if (!it->is_regular_file(ec) || it->is_symlink(ec))
      continue;
    fs::path rel = fs::relative(it->path(), root, ec);
    if (ec)
      break;
    std::string key = "/" + rel.generic_string();
    if (key.ends_with(".gz"))
      continue;  // read with the file it compresses
    if (files_.size() >= kMaxFiles)
      throw common::UserError(fmt::format("more than {} files in {}", kMaxFiles, root.string()));
    StaticFile f;
    f.body = read_file(it->path());
    fs::path gz = it->path();
    gz += ".gz";
    if (fs::is_regular_file(gz, ec))
      f.gzip_body = read_file(gz);
    bytes += f.body.size() + f.gzip_body.size();
    if (bytes > kMaxBytes)
      throw common::UserError(
          fmt::format("the files in {} are over {} MiB", root.string(), kMaxBytes >> 20));
    f.content_type = content_type_of(key);
    f.etag = "\"" + orm::sha256_hex(f.body).substr(0, 32) + "\"";
    f.immutable = key.starts_with("/assets/");
    files_.emplace(std::move(key), std::move(f));
  }
  if (ec)
    throw common::UserError(fmt::format("cannot read {}: {}", root.string(), ec.message()));
}

const StaticFile* StaticFiles::find(std::string_view path) const {
  if (path.empty() || path == "/")
    path = "/index.html";
  auto it = files_.find(path);
  return it == files_.end() ? nullptr : &it->second;
}

}  // namespace autorules::api
