#include "mail/mail.h"

namespace autorules::mail {

void install(orm::Runtime&) {}

}  // namespace autorules::mail
