// Not part of any binary: the test MutexAnnotationsAreChecked (clang builds only) compiles it
// and expects clang to refuse it, proof that common/mutex.h's annotations are seen by the
// analysis and not silently empty.
#include "common/mutex.h"

struct Account {
  autorules::common::Mutex mutex;
  int balance GUARDED_BY(mutex) = 0;
};

int balance_without_the_lock(Account& a) {
  return a.balance;
}
