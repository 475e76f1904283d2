// EXPECT_THROW_MSG: gtest's EXPECT_THROW that also looks at the message. For every suite.
#pragma once

#include <string>

#include <gtest/gtest.h>

// Expects `stmt` to throw ExceptionType with a message containing `fragment`.
#define EXPECT_THROW_MSG(stmt, ExceptionType, fragment)                                   \
  do {                                                                                    \
    try {                                                                                 \
      stmt;                                                                               \
      ADD_FAILURE() << "expected " #ExceptionType " containing \"" << (fragment) << "\""; \
    } catch (const ExceptionType& e__) {                                                  \
      EXPECT_NE(std::string(e__.what()).find(fragment), std::string::npos)                \
          << "message: " << e__.what();                                                   \
    }                                                                                     \
  } while (0)
