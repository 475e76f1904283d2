// ir.attachment: files kept with a record (an incoming email's attachments, a template's files).
// The content is in `datas` (base64 over the API).
#include "schema/builtin/builtin.h"

namespace autorules::schema::builtin {

void add_attachment_models(Registry& r) {
  Model attachment("ir.attachment", "Attachment");
  attachment.set_order("id desc");
  attachment.add(char_field("name", "Name").required());
  attachment.add(text_field("description", "Description"));
  attachment.add(char_field("res_model", "Resource Model").index());
  attachment.add(char_field("res_field", "Resource Field"));
  attachment.add(integer_field("res_id", "Resource ID").index());
  attachment.add(selection_field("type", "Type", {{"url", "URL"}, {"binary", "File"}})
                     .required()
                     .def("binary"));
  attachment.add(char_field("url", "Url"));
  attachment.add(binary_field("datas", "File Content"));
  attachment.add(char_field("mimetype", "Mime Type"));
  attachment.add(integer_field("file_size", "File Size"));
  attachment.add(boolean_field("public", "Is public document"));
  r.put(std::move(attachment));
}

}  // namespace autorules::schema::builtin
