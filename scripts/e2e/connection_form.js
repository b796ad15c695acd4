// SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
// SPDX-License-Identifier: Apache-2.0
// Driven by scripts/e2e.py (make e2e): the Airflow 3.3 UI's connection form for our connection type.
// 1. open Admin > Connections, "Add Connection", choose "Huawei Cloud DataArts Studio";
// 2. check our labels are rendered and save a screenshot (E2E_SCREENSHOT);
// 3. fill the form to point at the emulator, save it, press the row's Test button, assert the success toast.
// Environment: E2E_NODE_DIR (playwright-core), E2E_BASE, E2E_TOKEN (JWT), E2E_CHROMIUM, E2E_PROFILE,
// E2E_SCREENSHOT, E2E_SHOTS (folder for failure screenshots), E2E_CONN (JSON: host, login, password, extras).
"use strict";
const path = require("path");
const { chromium } = require(path.join(process.env.E2E_NODE_DIR, "node_modules", "playwright-core"));

const BASE = process.env.E2E_BASE;
const CONN = JSON.parse(process.env.E2E_CONN);
const CONN_ID = "dataarts_e2e_ui";
const HOOK_NAME = "Huawei Cloud DataArts Studio";
// Labels from airflow_dataarts_provider/connection_form.py (relabelled standard fields + conn-fields).
const PORT_LABEL = "Port (443, or the endpoint override's; Airflow 3.3.2's Test button needs it)";
const STANDARD_LABELS = ["Endpoint override", PORT_LABEL, "Access key (AK) / IAM user name", "Secret key (SK) / IAM password"];
const EXTRA_LABELS = [
  "Region", "Project ID", "Default workspace ID", "Authentication type", "Security token",
  "IAM account (domain) name", "IAM endpoint", "Metadata URL", "Offset semantics", "Max requests per second",
  "Max attempts", "Timeout (seconds)",
];

async function main() {
  const browser = await chromium.launchPersistentContext(process.env.E2E_PROFILE, {
    executablePath: process.env.E2E_CHROMIUM,
    headless: true,
    viewport: { width: 1280, height: 1800 },
    args: [
      "--no-sandbox", "--disable-gpu", "--disable-quic", "--disable-background-networking",
      "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
    ],
  });
  const page = browser.pages()[0] || (await browser.newPage());
  try {
    // Only loopback: refuse any request elsewhere (fonts, telemetry...).
    await page.route("**/*", (route) => {
      const url = new URL(route.request().url());
      if (["127.0.0.1", "localhost"].includes(url.hostname) || url.protocol === "data:") return route.continue();
      return route.abort();
    });
    await browser.addCookies([{ name: "_token", value: process.env.E2E_TOKEN, url: BASE }]);
    await page.goto(`${BASE}/connections`, { waitUntil: "domcontentloaded" });
    await page.getByRole("button", { name: "Add Connection" }).click({ timeout: 60000 });
    const dialog = page.getByRole("dialog");
    await dialog.waitFor();

    // The connection type: a react-select combobox.
    const typeInput = dialog.getByRole("combobox").first();
    await typeInput.click();
    await typeInput.fill("Huawei");
    await page.getByRole("option", { name: HOOK_NAME }).click({ timeout: 30000 });
    // The standard fields (open first): our relabelled host/login/password. Fill them while visible.
    const visibleLabels = async (labels) => {
      const missing = [];
      for (const label of labels) {
        if (!(await dialog.getByText(label, { exact: true }).first().isVisible())) missing.push(label);
      }
      return missing;
    };
    await dialog.getByText(STANDARD_LABELS[0], { exact: true }).first().waitFor({ timeout: 30000 });
    let missing = await visibleLabels(STANDARD_LABELS);
    await dialog.screenshot({ path: process.env.E2E_SCREENSHOT_STANDARD });
    if (missing.length) throw new Error(`standard-field labels not shown: ${missing.join(", ")}`);
    // The input of a labelled field: by its label, else the input inside the label's field root.
    const field = (label) =>
      dialog
        .getByLabel(label, { exact: true })
        .or(
          dialog
            .locator("[data-scope='field'][data-part='root']")
            .filter({ has: page.locator("label").getByText(label, { exact: true }) })
            .locator("input, textarea"),
        )
        .first();
    await dialog.getByLabel("Connection ID").fill(CONN_ID);
    await field("Endpoint override").fill(CONN.host);
    // The endpoint's port, as the Port field asks (Airflow 3.3.2's Test button needs a stored port).
    await field(PORT_LABEL).fill(new URL(CONN.host).port);
    await field("Access key (AK) / IAM user name").fill(CONN.login);
    await field("Secret key (SK) / IAM password").fill(CONN.password);

    // Our conn-fields are in the collapsed "Extra Fields" section (one section open at a time): open it.
    await dialog.getByRole("button", { name: "Extra Fields", exact: true }).click({ timeout: 30000 });
    await dialog.getByText(EXTRA_LABELS[0], { exact: true }).first().waitFor({ timeout: 30000 });
    missing = await visibleLabels(EXTRA_LABELS);
    await dialog.screenshot({ path: process.env.E2E_SCREENSHOT });
    if (missing.length) throw new Error(`conn-fields labels not shown: ${missing.join(", ")}`);
    console.log(`form of type "${HOOK_NAME}": standard fields ${STANDARD_LABELS.join(" | ")}`);
    console.log(`  extra fields ${EXTRA_LABELS.join(" | ")}`);
    console.log(`screenshots: ${process.env.E2E_SCREENSHOT} (extra fields), ${process.env.E2E_SCREENSHOT_STANDARD}`);
    await field("Region").fill(CONN.region);
    await field("Project ID").fill(CONN.project_id);
    await field("Default workspace ID").fill(CONN.workspace);
    await page.keyboard.press("Tab");
    await page.screenshot({ path: path.join(process.env.E2E_SHOTS, "connection-form-filled.png"), fullPage: true });
    await dialog.getByRole("button", { name: "Save" }).click();
    await dialog.waitFor({ state: "detached", timeout: 30000 });
    console.log(`saved connection ${CONN_ID} through the form`);

    // The Test button of the new row.
    const row = page.getByRole("row").filter({ hasText: CONN_ID });
    await row.waitFor({ timeout: 30000 });
    const pressTest = async () => {
      const pending = page.waitForResponse((r) => r.url().endsWith("/api/v2/connections/test"), { timeout: 60000 });
      await row.getByRole("button", { name: "Test Connection" }).click();
      const response = await pending;
      const sent = JSON.parse(response.request().postData() || "{}");
      if (sent.password && sent.password !== "***") sent.password = "(a secret)";
      const body = await response.text();
      console.log(`Test button: POST /api/v2/connections/test port=${JSON.stringify(sent.port)} ` +
        `host=${sent.host} password=${sent.password} -> ${response.status()} ${body}`);
      return { status: response.status(), body, sent };
    };
    const result = await pressTest();
    if (result.status === 400 && result.body.includes("host or port to test differs")) {
      // Airflow 3.3.2 (apache/airflow#73298) sends port 0 for a connection without a port; the Port field
      // is there so that users store one. No workaround here: the real UI must work as users get it.
      throw new Error(`the Test button was refused (port ${JSON.stringify(result.sent.port)}): ${result.body}`);
    }
    // The result is a toast (title "Test Connection Successful", description = the hook's message).
    const toast = page.getByText("Test Connection Successful", { exact: true });
    let text = "";
    for (let i = 0; i < 40 && !text; i++) {
      const toasts = await page.locator("[data-scope='toast'][data-part='root']").allInnerTexts();
      text = toasts.map((t) => t.replace(/\s+/g, " ").trim()).find((t) => t.includes("Test Connection Successful")) || "";
      if (!text && (await toast.count()) > 0) text = (await toast.first().locator("xpath=../..").innerText()).replace(/\s+/g, " ");
      if (!text) await page.waitForTimeout(250);
    }
    await page.waitForTimeout(800); // let the toast finish its entrance for the screenshot
    await page.screenshot({ path: path.join(process.env.E2E_SHOTS, "connection-test.png") });
    if (!text) {
      const all = await page.locator("[data-scope='toast']").allInnerTexts();
      throw new Error(`no success toast on the page (toasts: ${JSON.stringify(all)}); API said ${result.body}`);
    }
    console.log(`the page says: ${text}`);
    if (!text.includes("Connected to DataArts Studio at " + CONN.host)) {
      throw new Error(`unexpected success message: ${text}`);
    }
  } catch (err) {
    await page.screenshot({ path: path.join(process.env.E2E_SHOTS, "connection-form-failure.png"), fullPage: true })
      .catch(() => {});
    throw err;
  } finally {
    await browser.close();
  }
}

main().catch((err) => {
  console.error(`FAILED: ${err && err.stack ? err.stack : err}`);
  process.exit(1);
});
