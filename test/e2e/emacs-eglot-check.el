;;; emacs-eglot-check.el --- Emacs + eglot as an independent LSP client, in batch mode  -*- lexical-binding: t -*-
;; Open LSP_FILE in a `vmscen-mode' buffer, connect `vmscen lsp' (LSP_CMD) with eglot, wait
;; until the server has published diagnostics for the file that satisfy LSP_WAIT_FOR (a regexp
;; matched against each "line:col:severity:code:message" line; empty = any publication), write
;; them to LSP_OUT, exit 0 (or 1 on timeout).
;; Usage: emacs --batch -Q -l test/e2e/emacs-eglot-check.el   (Debian: emacs-nox, elpa-eglot)
(require 'package)
;; Debian's elpa-* packages (eglot and the newer project, xref it needs), also under -Q
(dolist (dir '("/usr/share/emacs/site-lisp/elpa" "/usr/share/emacs/site-lisp/elpa-src"))
  (when (file-directory-p dir) (add-to-list 'package-directory-list dir)))
(setq package-user-dir (make-temp-file "vmscen-elpa-" t))
(package-initialize)
(require 'eglot)
(require 'cl-lib)

(define-derived-mode vmscen-mode prog-mode "vmscen" "Major mode for vmscen scenarios.")
(add-to-list 'auto-mode-alist '("\\.vmscen\\'" . vmscen-mode))
(add-to-list 'eglot-server-programs `(vmscen-mode . ,(split-string (getenv "LSP_CMD"))))
;; a file outside version control is its own project (no prompt in batch mode)
(add-hook 'project-find-functions (lambda (dir) (cons 'transient dir)))

(defvar vmscen-check--lines nil "The last diagnostics published for the file, as text lines.")
(defvar vmscen-check--satisfied nil)
(defvar vmscen-check--uri nil)

(cl-defmethod eglot-handle-notification :after
  (_server (_method (eql textDocument/publishDiagnostics)) &key uri diagnostics &allow-other-keys)
  (when (equal (url-unhex-string uri) vmscen-check--uri)
    (let ((want (or (getenv "LSP_WAIT_FOR") "")))
      (setq vmscen-check--lines
            (mapcar (lambda (d)
                      (let* ((start (plist-get (plist-get d :range) :start)))
                        (format "%d:%d:%s:%s:%s"
                                (1+ (plist-get start :line)) (1+ (plist-get start :character))
                                (or (plist-get d :severity) 0) (or (plist-get d :code) "")
                                (plist-get d :message))))
                    (append diagnostics nil)))
      (when (or (string= want "") (cl-some (lambda (l) (string-match-p want l)) vmscen-check--lines))
        (setq vmscen-check--satisfied t)))))

(let* ((file (expand-file-name (getenv "LSP_FILE")))
       (out (getenv "LSP_OUT"))
       (timeout (/ (string-to-number (or (getenv "LSP_TIMEOUT_MS") "20000")) 1000.0))
       (start (float-time)))
  (setq vmscen-check--uri (concat "file://" file))
  (find-file file)
  (condition-case err
      (progn
        (call-interactively #'eglot)
        (while (and (not vmscen-check--satisfied) (< (- (float-time) start) timeout))
          (accept-process-output nil 0.05))
        (with-temp-file out (insert (mapconcat #'identity vmscen-check--lines "\n") "\n"))
        (ignore-errors (eglot-shutdown (eglot-current-server)))
        (unless vmscen-check--satisfied
          (message "no matching diagnostics for %s (timeout %.0f s)" vmscen-check--uri timeout))
        (kill-emacs (if vmscen-check--satisfied 0 1)))
    (error
     (message "eglot check failed: %S" err)
     ;; the server's stderr, where eglot keeps it
     (dolist (b (buffer-list))
       (when (string-match-p "stderr" (buffer-name b))
         (message "%s:\n%s" (buffer-name b) (with-current-buffer b (buffer-string)))))
     (kill-emacs 2))))
