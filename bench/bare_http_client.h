// The bare limit the outbox's benchmarks compare against: the same HTTP requests as the
// dispatcher sends, from a bare libcurl multi handle set up as the dispatcher's (8 connections to
// a host, up to 256 transfers in flight, one easy handle per request with its own headers), with
// nothing recorded anywhere.
#pragma once

#include <chrono>
#include <map>
#include <string>
#include <vector>

#include <curl/curl.h>

namespace autorules::bench {

struct BareRequest {
  std::string url;
  std::string body;
  std::vector<std::string> headers;  // "Name: value"
};

// Sends every request (POST) and returns the requests per second, or 0 when any answer's status
// is not `expected_status`.
inline double bare_http_round(const std::vector<BareRequest>& requests, long expected_status) {
  constexpr size_t kInFlight = 256;
  auto discard = +[](char*, size_t size, size_t n, void*) -> size_t { return size * n; };
  CURLM* multi = curl_multi_init();
  curl_multi_setopt(multi, CURLMOPT_MAX_HOST_CONNECTIONS, 8L);
  curl_multi_setopt(multi, CURLMOPT_MAXCONNECTS, 32L);
  const size_t n = requests.size();
  size_t started = 0, done = 0, ok = 0;
  std::map<CURL*, curl_slist*> headers;
  auto add = [&] {
    const BareRequest& r = requests[started];
    CURL* easy = curl_easy_init();
    curl_slist* h = nullptr;
    for (const std::string& line : r.headers)
      h = curl_slist_append(h, line.c_str());
    headers[easy] = h;
    curl_easy_setopt(easy, CURLOPT_URL, r.url.c_str());
    curl_easy_setopt(easy, CURLOPT_POST, 1L);
    curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE, static_cast<long>(r.body.size()));
    curl_easy_setopt(easy, CURLOPT_POSTFIELDS, r.body.c_str());
    curl_easy_setopt(easy, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, discard);
    curl_multi_add_handle(multi, easy);
    ++started;
  };
  const auto t0 = std::chrono::steady_clock::now();
  while (started < n && started - done < kInFlight)
    add();
  while (done < n) {
    int running = 0;
    curl_multi_perform(multi, &running);
    int left = 0;
    while (CURLMsg* msg = curl_multi_info_read(multi, &left)) {
      if (msg->msg != CURLMSG_DONE)
        continue;
      CURL* easy = msg->easy_handle;
      long status = 0;
      curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
      ok += status == expected_status;
      curl_multi_remove_handle(multi, easy);
      curl_easy_cleanup(easy);
      curl_slist_free_all(headers[easy]);
      headers.erase(easy);
      ++done;
      if (started < n)
        add();
    }
    if (done < n)
      curl_multi_poll(multi, nullptr, 0, 100, nullptr);
  }
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  curl_multi_cleanup(multi);
  return ok == n ? static_cast<double>(n) / s : 0;
}

}  // namespace autorules::bench
