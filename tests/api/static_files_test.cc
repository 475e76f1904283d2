// The web interface's files (src/api/static_files.h): what is read at start, what a path finds,
// content types, the gzip forms, ETags, and what is never served.
#include "api/static_files.h"

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "test_support/temp_dir.h"

namespace autorules::api {
namespace {

namespace fs = std::filesystem;

void write(const fs::path& p, const std::string& text) {
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << text;
}

class StaticFilesTest : public ::testing::Test {
 protected:
  StaticFilesTest() {
    root_ = fs::path(dir_.path("dist"));
    write(root_ / "index.html", "<!doctype html><div id=app></div>");
    write(root_ / "index.html.gz", "gz-of-index");
    write(root_ / "assets" / "app-1A2B.js", "console.log(1)");
    write(root_ / "assets" / "app-1A2B.css", "body{}");
    write(fs::path(dir_.path("secret.txt")), "outside");
  }
  ::autorules::test::TempDir dir_;
  fs::path root_;
};

TEST_F(StaticFilesTest, TheRootIsThePageAndAssetsAreImmutable) {
  StaticFiles files(root_);
  const StaticFile* page = files.find("/");
  ASSERT_NE(page, nullptr);
  EXPECT_EQ(page, files.find("/index.html"));
  EXPECT_EQ(page->content_type, "text/html; charset=utf-8");
  EXPECT_EQ(page->gzip_body, "gz-of-index");
  EXPECT_FALSE(page->immutable);
  const StaticFile* js = files.find("/assets/app-1A2B.js");
  ASSERT_NE(js, nullptr);
  EXPECT_EQ(js->body, "console.log(1)");
  EXPECT_EQ(js->content_type, "text/javascript; charset=utf-8");
  EXPECT_TRUE(js->immutable);
  EXPECT_TRUE(js->gzip_body.empty());
  EXPECT_EQ(files.find("/assets/app-1A2B.css")->content_type, "text/css; charset=utf-8");
  EXPECT_EQ(files.size(), 3u);  // the .gz form is not a file of its own
}

TEST_F(StaticFilesTest, ETagsFollowTheContent) {
  write(root_ / "assets" / "same.js", "console.log(1)");
  StaticFiles files(root_);
  const StaticFile* a = files.find("/assets/app-1A2B.js");
  const StaticFile* b = files.find("/assets/same.js");
  EXPECT_EQ(a->etag, b->etag);
  EXPECT_NE(a->etag, files.find("/")->etag);
  EXPECT_EQ(a->etag.front(), '"');
  EXPECT_EQ(a->etag.back(), '"');
}

TEST_F(StaticFilesTest, NothingOutsideTheTableIsFound) {
  fs::create_symlink(fs::path(dir_.path("secret.txt")), root_ / "link.txt");
  fs::create_directory_symlink(fs::path(dir_.path()), root_ / "up");
  StaticFiles files(root_);
  for (const char* path :
       {"/../secret.txt", "/assets/../index.html", "/link.txt", "/up/secret.txt", "/index.html.gz",
        "/assets", "/assets/", "", "/ASSETS/app-1A2B.js", "/assets/app-1A2B.js/", "//index.html"}) {
    EXPECT_EQ(files.find(path), std::string_view(path).empty() ? files.find("/") : nullptr) << path;
  }
}

TEST_F(StaticFilesTest, AMissingRootServesNothing) {
  StaticFiles files(root_ / "nothing");
  EXPECT_TRUE(files.empty());
  EXPECT_EQ(files.find("/"), nullptr);
}

TEST(ContentTypeTest, ByExtension) {
  EXPECT_EQ(content_type_of("a.svg"), "image/svg+xml");
  EXPECT_EQ(content_type_of("a.woff2"), "font/woff2");
  EXPECT_EQ(content_type_of("a.json"), "application/json; charset=utf-8");
  EXPECT_EQ(content_type_of("README"), "application/octet-stream");
  EXPECT_EQ(content_type_of("a.js.map"), "application/json; charset=utf-8");
}

}  // namespace
}  // namespace autorules::api
