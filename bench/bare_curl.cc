// The bare limit of benchmark (c) of the outbox: a libcurl multi client posting N JSON bodies to
// a receiver with at most 8 connections to the host (as the dispatcher), as fast as it can.
//   bare_curl URL N BODY
// Prints the deliveries per second.
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include <curl/curl.h>

namespace {

size_t discard(char*, size_t size, size_t n, void*) {
  return size * n;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4) {
    std::fprintf(stderr, "usage: bare_curl URL N BODY\n");
    return 2;
  }
  std::string url = argv[1];
  long n = std::stol(argv[2]);
  std::string body = argv[3];
  curl_global_init(CURL_GLOBAL_DEFAULT);
  CURLM* multi = curl_multi_init();
  curl_multi_setopt(multi, CURLMOPT_MAX_HOST_CONNECTIONS, 8L);
  curl_slist* headers = curl_slist_append(nullptr, "Content-Type: application/json");
  headers = curl_slist_append(headers, "Idempotency-Key: 00000000-0000-4000-8000-000000000000");
  long started = 0, done = 0, ok = 0;
  const long in_flight = 64;
  auto add = [&] {
    CURL* easy = curl_easy_init();
    curl_easy_setopt(easy, CURLOPT_URL, url.c_str());
    curl_easy_setopt(easy, CURLOPT_POST, 1L);
    curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size()));
    curl_easy_setopt(easy, CURLOPT_COPYPOSTFIELDS, body.c_str());
    curl_easy_setopt(easy, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, discard);
    curl_multi_add_handle(multi, easy);
    ++started;
  };
  auto t0 = std::chrono::steady_clock::now();
  while (started < n && started - done < in_flight)
    add();
  while (done < n) {
    int running = 0;
    curl_multi_perform(multi, &running);
    int left = 0;
    while (CURLMsg* m = curl_multi_info_read(multi, &left)) {
      if (m->msg != CURLMSG_DONE)
        continue;
      long status = 0;
      curl_easy_getinfo(m->easy_handle, CURLINFO_RESPONSE_CODE, &status);
      ok += status == 200;
      curl_multi_remove_handle(multi, m->easy_handle);
      curl_easy_cleanup(m->easy_handle);
      ++done;
      if (started < n)
        add();
    }
    if (done < n)
      curl_multi_poll(multi, nullptr, 0, 100, nullptr);
  }
  double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("%.1f\n", static_cast<double>(ok) / s);
  curl_slist_free_all(headers);
  curl_multi_cleanup(multi);
  curl_global_cleanup();
  return ok == n ? 0 : 1;
}
