// Apps shipped as data (modules/<app>/): a manifest, model definitions, data and demo records,
// loaded into a database through the ORM as ir.model / ir.model.fields records and ordinary
// records, each app in one transaction. The format is described in docs/apps.md.
#pragma once

#include <string>
#include <vector>

#include "orm/runtime.h"

namespace autorules::orm {

struct AppManifest {
  std::string name;
  std::string summary;
  std::vector<std::string> depends;
  std::vector<std::string> models;  // files, relative to the app's folder
  std::vector<std::string> data;
  std::vector<std::string> demo;
  // The app's methods (docs/apps.md): Python run by the sandbox with the caller's rights.
  std::vector<std::string> methods;
};

// The apps found under the runtime's modules path, by name.
std::vector<AppManifest> available_apps(const Runtime& runtime);

// Installs `apps` (and what they depend on), with their demo data when `demo`. Apps already
// installed are skipped, except that their demo data is loaded when asked for the first time.
// UserError naming the app and the file for an unknown app or a bad data file.
void install_apps(Runtime& runtime, const std::vector<std::string>& apps, bool demo);

// Registers the methods every available app declares ("methods" files: a list of {"model",
// "name", "code" (text or a list of lines), "params", "required", "model_level"}), each code
// checked by the runtime's code checker. A method of an app that is not installed is one of a
// model that does not exist: calling it is a 404. UserError naming the file for a bad one.
void register_app_methods(Runtime& runtime);

}  // namespace autorules::orm
