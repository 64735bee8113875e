// `vmscen lsp`: the language server on stdio. Implemented in lsp/ (issue 4).
process.stderr.write('vmscen: the language server is not built yet\n');
process.exitCode = 2;
