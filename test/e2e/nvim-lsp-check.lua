-- Headless Neovim as an independent LSP client: open a file, attach `vmscen lsp`, wait until
-- the server has published diagnostics that satisfy LSP_WAIT_FOR (a Lua pattern matched
-- against each "line:col:severity:code:message" line; empty = any publication), write them
-- to LSP_OUT, exit 0 (or 1 on timeout).
-- Usage: timeout 60 nvim --headless -u NONE -i NONE -n -c 'luafile test/e2e/nvim-lsp-check.lua'
local function main()
  local out = assert(vim.env.LSP_OUT, 'LSP_OUT not set')
  local file = assert(vim.env.LSP_FILE, 'LSP_FILE not set')
  local want = vim.env.LSP_WAIT_FOR or ''
  local timeout = tonumber(vim.env.LSP_TIMEOUT_MS or '20000')
  vim.cmd('edit ' .. vim.fn.fnameescape(file))
  local bufnr = vim.api.nvim_get_current_buf()
  vim.bo[bufnr].filetype = 'vmscen'
  local uri = vim.uri_from_bufnr(bufnr)
  local lines = {}
  local satisfied = false
  local default_handler = vim.lsp.handlers['textDocument/publishDiagnostics']
  vim.lsp.handlers['textDocument/publishDiagnostics'] = function(err, result, ctx, config)
    default_handler(err, result, ctx, config)
    if result and result.uri == uri then
      local now = {}
      for _, d in ipairs(result.diagnostics) do
        now[#now + 1] = ('%d:%d:%d:%s:%s'):format(d.range.start.line + 1, d.range.start.character + 1, d.severity or 0, tostring(d.code or ''), d.message)
      end
      for _, l in ipairs(now) do
        if want == '' or l:find(want) then
          satisfied = true
        end
      end
      if want == '' then satisfied = true end
      lines = now
    end
  end
  local exited = false
  local client_id = vim.lsp.start_client({
    name = 'vmscen',
    cmd = vim.split(assert(vim.env.LSP_CMD, 'LSP_CMD not set'), ' ', { trimempty = true }),
    root_dir = vim.fn.getcwd(),
    on_exit = function(code, signal)
      exited = true
      if code ~= 0 then io.stderr:write(('server exited code=%d signal=%d\n'):format(code, signal)) end
    end,
  })
  assert(client_id, 'start_client failed')
  vim.lsp.buf_attach_client(bufnr, client_id)
  local ok = vim.wait(timeout, function() return satisfied or exited end, 20) and satisfied
  vim.fn.writefile(lines, out)
  if not ok then
    io.stderr:write(('no matching diagnostics for %s (%s)\n'):format(uri, exited and 'server exited' or ('timeout ' .. timeout .. ' ms')))
  end
  vim.lsp.stop_client(client_id)
  vim.wait(2000, function() return exited end, 20)
  return ok
end
local ran, ok = xpcall(main, debug.traceback)
if not ran then io.stderr:write(tostring(ok) .. '\n') end
vim.cmd((ran and ok) and 'qall!' or 'cquit!')
