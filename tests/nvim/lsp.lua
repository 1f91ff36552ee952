-- Run by tests/server.rs: `nvim --headless --clean -c 'luafile tests/nvim/lsp.lua' main.tf` in
-- the module's directory, with IAMLINT_BIN naming the binary. Attaches `iamlint server` to the
-- buffer the way Neovim 0.7 can (vim.lsp.start_client + vim.lsp.buf_attach_client; 0.8 and later
-- also have vim.lsp.start), prints the diagnostics it received, edits the buffer without saving,
-- and prints them again.
local bin = os.getenv("IAMLINT_BIN") or "iamlint"
local buf = vim.api.nvim_get_current_buf()

local function fail(message)
  io.stdout:write(message .. "\n")
  vim.cmd("cquit 1")
end

local client_id = vim.lsp.start_client({
  name = "iamlint",
  cmd = { bin, "server" },
  root_dir = vim.fn.getcwd(),
  init_options = { debounceMs = 50 },
})
if not client_id then
  fail("could not start iamlint server")
end
vim.lsp.buf_attach_client(buf, client_id)

local function show(tag)
  local diags = vim.diagnostic.get(buf)
  table.sort(diags, function(a, b)
    if a.lnum ~= b.lnum then
      return a.lnum < b.lnum
    end
    return a.col < b.col
  end)
  local names = { "error", "warning", "info", "hint" }
  for _, d in ipairs(diags) do
    local code = d.code or (d.user_data and d.user_data.lsp and d.user_data.lsp.code) or "?"
    io.stdout:write(string.format("diag %s %d:%d %s %s\n", tag, d.lnum + 1, d.col + 1, names[d.severity], code))
  end
end

if not vim.wait(20000, function() return #vim.diagnostic.get(buf) > 0 end, 20) then
  fail("timeout: no diagnostics before the edit")
end
show("before")

-- Grant a basic role to a user, without saving.
vim.api.nvim_buf_set_lines(buf, 12, 14, false, {
  '  role    = "roles/owner"',
  '  member  = "user:alice@example.com"',
})
if not vim.wait(20000, function() return #vim.diagnostic.get(buf) >= 3 end, 20) then
  fail("timeout: no diagnostics after the edit")
end
show("after")
vim.lsp.stop_client(client_id)
vim.cmd("qa!")
