// The XML-RPC codec (src/api/xmlrpc.h): what Python's xmlrpc.client sends is read, what it reads
// is written, and what is not a call is refused before anything runs.
#include "api/xmlrpc.h"

#include <gtest/gtest.h>

#include "common/errors.h"
#include "test_support/expect_throw.h"

namespace autorules::api {
namespace {

using common::Json;

std::string call(const std::string& params) {
  return "<?xml version='1.0'?>\n<methodCall>\n<methodName>execute_kw</methodName>\n<params>\n" +
         params + "</params>\n</methodCall>\n";
}

TEST(XmlRpcTest, EveryValueTypeOfPythonsClientIsRead) {
  XmlRpcCall c = parse_xmlrpc_call(
      call("<param><value><string>db</string></value></param>"
           "<param><value><int>2</int></value></param>"
           "<param><value><i4>-3</i4></value></param>"
           "<param><value><i8>9007199254740993</i8></value></param>"
           "<param><value><boolean>1</boolean></value></param>"
           "<param><value><double>2.5</double></value></param>"
           "<param><value>bare text</value></param>"
           "<param><value><dateTime.iso8601>20260115T10:00:00</dateTime.iso8601></value></param>"
           "<param><value><base64>aGVs\nbG8=</base64></value></param>"
           "<param><value><nil/></value></param>"
           "<param><value><array><data><value><int>1</int></value><value>x</value></data></array>"
           "</value></param>"
           "<param><value><struct><member><name>limit</name><value><int>5</int></value></member>"
           "<member><name>n&amp;m</name><value><string>&lt;é&gt;</string></value></member>"
           "</struct></value></param>"));
  EXPECT_EQ(c.method, "execute_kw");
  EXPECT_EQ(c.params, Json::parse(R"(["db", 2, -3, 9007199254740993, true, 2.5, "bare text",
    "2026-01-15 10:00:00", "aGVsbG8=", null, [1, "x"], {"limit": 5, "n&m": "<é>"}])"));
}

TEST(XmlRpcTest, ResultsAreWrittenAsPythonReadsThem) {
  std::string r = xmlrpc_response(Json::parse(
      R"({"ids": [1, 3000000000], "ok": true, "none": null, "x": 0.5, "s": "a<b&c\u0001"})"));
  EXPECT_NE(r.find("<methodResponse>"), std::string::npos);
  EXPECT_NE(r.find("<int>1</int>"), std::string::npos);
  EXPECT_NE(r.find("<i8>3000000000</i8>"), std::string::npos);
  EXPECT_NE(r.find("<boolean>1</boolean>"), std::string::npos);
  EXPECT_NE(r.find("<nil/>"), std::string::npos);
  EXPECT_NE(r.find("<double>0.5</double>"), std::string::npos);
  EXPECT_NE(r.find("<string>a&lt;b&amp;c</string>"), std::string::npos);  // no control character
  std::string f = xmlrpc_fault(3, "Access Denied");
  EXPECT_NE(f.find("<fault>"), std::string::npos);
  EXPECT_NE(f.find("<name>faultCode</name>\n<value><int>3</int></value>"), std::string::npos);
}

TEST(XmlRpcTest, WhatIsNotACallIsRefused) {
  for (const std::string& body :
       {std::string(), std::string("<methodCall>"), std::string("<other/>"),
        std::string("<methodCall><params/></methodCall>"),
        call("<param><value><int>1.5</int></value></param>"),
        call("<param><value><int>99999999999999999999</int></value></param>"),
        call("<param><value><boolean>2</boolean></value></param>"),
        call("<param><value><double>nan</double></value></param>"),
        call("<param><value><blob>x</blob></value></param>"),
        call("<param><value><int>1</int><int>2</int></value></param>"),
        call("<param><value><struct><member><value>1</value></member></struct></value></param>"),
        call("<param><value><array><value>1</value></array></value></param>"),
        "<!DOCTYPE m [<!ENTITY a \"b\">]>" + call("<param><value>&a;</value></param>")}) {
    SCOPED_TRACE(body);
    EXPECT_THROW_MSG(parse_xmlrpc_call(body), common::BadRequestError, "not an XML-RPC call");
  }
  std::string deep;
  for (int i = 0; i < 300; ++i)
    deep += "<value><array><data>";
  EXPECT_THROW_MSG(parse_xmlrpc_call(call("<param>" + deep + "</param>")), common::BadRequestError,
                   "not an XML-RPC call");
}

}  // namespace
}  // namespace autorules::api
