#include "tokenizer/tool_declaration_format.h"

#include <string>

#include "gtest/gtest.h"
#include "tokenizer/chat_value_format.h"

namespace gemma::tokenizer {
namespace {

ToolDeclaration Tool(const std::string& parameters_json,
                     const std::string& description = "d") {
  ToolDeclaration t;
  t.name = "f";
  t.description = description;
  t.parameters = OrderedJson::parse(parameters_json);
  return t;
}

TEST(ToolDeclarationFormatTest, SpecExample) {
  ToolDeclaration t = Tool(R"({"type": "object",
      "properties": {"unit": {"type": "string", "enum": ["C", "F"]},
                     "city": {"type": "string", "description": "City name"}},
      "required": ["city"]})",
                           "Get the current weather.");
  t.name = "get_weather";
  EXPECT_EQ(
      FormatToolDeclaration(t),
      "declaration:get_weather{description:<|\"|>Get the current "
      "weather.<|\"|>,parameters:{properties:{city:{description:<|\"|>City "
      "name<|\"|>,type:<|\"|>STRING<|\"|>},unit:{enum:[<|\"|>C<|\"|>,<|\"|>F<|"
      "\"|>],type:<|\"|>STRING<|\"|>}},required:[<|\"|>city<|\"|>],type:<|\"|>"
      "OBJECT<|\"|>}}");
}

TEST(ToolDeclarationFormatTest, EmptyPropertiesAndNoParameters) {
  EXPECT_EQ(
      FormatToolDeclaration(Tool(R"({"type": "object", "properties": {}})")),
      "declaration:f{description:<|\"|>d<|\"|>,parameters:{type:<|\"|>OBJECT<|"
      "\"|>}}");
  ToolDeclaration bare;
  bare.name = "g";
  EXPECT_EQ(FormatToolDeclaration(bare),
            "declaration:g{description:<|\"|><|\"|>}");
}

TEST(ToolDeclarationFormatTest, WithoutTypeTheBracesStayOpen) {
  EXPECT_EQ(
      FormatToolDeclaration(Tool(R"({"properties": {"a": {}}})")),
      "declaration:f{description:<|\"|>d<|\"|>,parameters:{properties:{a:{"
      "type:<|\"|><|\"|>}},}");
}

TEST(ToolDeclarationFormatTest, NestedObjectsArraysAndOddKeys) {
  const std::string params = R"({"type": "object", "properties": {
    "tags": {"type": "array", "items": {"type": "string", "maxItems": 3, "x": null}},
    "pts": {"type": "array", "items": {"type": ["object", "null"],
            "properties": {"x": {"type": "number"}}, "required": ["x"]}},
    "meta": {"type": "object", "description": "m", "nullable": true,
             "additionalProperties": {"type": "string"}, "format": "kv",
             "required": ["k"]},
    "opt": {"type": ["string", "null"]},
    "obj": {"type": "object"}}})";
  EXPECT_EQ(
      FormatToolDeclaration(Tool(params)),
      "declaration:f{description:<|\"|>d<|\"|>,parameters:{properties:{"
      "meta:{description:<|\"|>m<|\"|>,nullable:true,properties:{"
      "additionalProperties:{type:<|\"|>STRING<|\"|>},format:{type:<|\"|><|\"|>"
      "}},"
      "required:[<|\"|>k<|\"|>],type:<|\"|>OBJECT<|\"|>},"
      "obj:{properties:{},type:<|\"|>OBJECT<|\"|>},"
      "opt:{type:<|\"|>['STRING', 'NULL']<|\"|>},"
      "pts:{items:{properties:{x:{type:<|\"|>NUMBER<|\"|>}},required:[<|\"|>x<|"
      "\"|>],"
      "type:[<|\"|>OBJECT<|\"|>,<|\"|>NULL<|\"|>]},type:<|\"|>ARRAY<|\"|>},"
      "tags:{items:{maxItems:3,type:<|\"|>STRING<|\"|>},type:<|\"|>ARRAY<|\"|>}"
      "},type:<|\"|>OBJECT<|\"|>}}");
}

TEST(ToolDeclarationFormatTest, ResponseBlock) {
  ToolDeclaration t = Tool("null");
  t.response = OrderedJson::parse(R"({"description": "r", "type": "object"})");
  EXPECT_EQ(
      FormatToolDeclaration(t),
      "declaration:f{description:<|\"|>d<|\"|>,response:{description:<|\"|>r<|"
      "\"|>,type:<|\"|>OBJECT<|\"|>}}");
}

TEST(ChatValueFormatTest, NumbersFollowPythonStr) {
  EXPECT_EQ(PyFloatRepr(1.5), "1.5");
  EXPECT_EQ(PyFloatRepr(21.0), "21.0");
  EXPECT_EQ(PyFloatRepr(1e-05), "1e-05");
  EXPECT_EQ(PyFloatRepr(1e16), "1e+16");
  EXPECT_EQ(PyFloatRepr(1e15), "1000000000000000.0");
  EXPECT_EQ(PyFloatRepr(0.0001), "0.0001");
  EXPECT_EQ(PyFloatRepr(0.1), "0.1");
  EXPECT_EQ(PyFloatRepr(-2.5e-7), "-2.5e-07");
  EXPECT_EQ(PyFloatRepr(123456.789), "123456.789");
  EXPECT_EQ(PyFloatRepr(1.0 / 3), "0.3333333333333333");
  EXPECT_EQ(PyFloatRepr(-0.0), "-0.0");
  EXPECT_EQ(
      FormatArgument(OrderedJson::parse("[21, 21.0, -3, true, null]"), false),
      "[21,21.0,-3,true,null]");
}

TEST(ChatValueFormatTest, KeysSortCaseInsensitivelyAndStably) {
  EXPECT_EQ(
      FormatArgument(OrderedJson::parse(R"({"x": 1, "B": 2, "a": 3, "b": 4})"),
                     false),
      "{a:3,B:2,b:4,x:1}");
  EXPECT_EQ(
      FormatArgument(OrderedJson::parse(R"({"k": {"z": "v", "y": []}})"), true),
      "{<|\"|>k<|\"|>:{<|\"|>y<|\"|>:[],<|\"|>z<|\"|>:<|\"|>v<|\"|>}}");
}

TEST(ChatValueFormatTest, TrimUsesPythonWhitespace) {
  EXPECT_EQ(PyTrim(" \t\n\v\f\r x y \xC2\xA0\xE3\x80\x80"), "x y");
  EXPECT_EQ(PyTrim("\xE2\x80\x8B"
                   "x"),
            "\xE2\x80\x8B"
            "x");  // ZWSP is not space
  EXPECT_EQ(PyTrim("   "), "");
  EXPECT_EQ(PyTrim(""), "");
}

TEST(ChatValueFormatTest, PyStrOfValues) {
  EXPECT_EQ(PyStr(OrderedJson(nullptr)), "None");
  EXPECT_EQ(PyStr(OrderedJson(true)), "True");
  EXPECT_EQ(PyStr(OrderedJson::parse(R"(["a", "it's", 1])")),
            "['a', \"it's\", 1]");
  EXPECT_EQ(PyStr(OrderedJson::parse(R"({"k": [1.0]})")), "{'k': [1.0]}");
}

}  // namespace
}  // namespace gemma::tokenizer
