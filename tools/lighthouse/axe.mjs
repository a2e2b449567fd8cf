// Runs axe-core (the copy Lighthouse ships) on pages at 390x844 as TikTok's
// in-app browser (so the hint shows): node axe.mjs URL...
// SESSION_TOKEN, when set, is sent as the dashboard's session cookie.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import puppeteer from "puppeteer-core";

const require = createRequire(import.meta.url);
const axeSource = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");
const tiktokUA = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 musical_ly_35.1.0";
const browser = await puppeteer.launch({
  executablePath: process.env.CHROME_PATH || "/usr/bin/chromium",
  args: ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
});
let failed = 0;
try {
  for (const url of process.argv.slice(2)) {
    for (const scheme of ["light", "dark"]) {
      const page = await browser.newPage();
      await page.setUserAgent(tiktokUA);
      if (process.env.SESSION_TOKEN) {
        await page.setCookie({ name: "buylink_token", value: process.env.SESSION_TOKEN, url: new URL(url).origin });
      }
      await page.setViewport({ width: 390, height: 844, deviceScaleFactor: 3, isMobile: true, hasTouch: true });
      await page.emulateMediaFeatures([{ name: "prefers-color-scheme", value: scheme }]);
      await page.goto(url, { waitUntil: "networkidle0" });
      await page.evaluate(axeSource);
      const res = await page.evaluate(() => axe.run(document, { runOnly: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"] }));
      console.log(`${url} (${scheme}): ${res.violations.length} violations, ${res.passes.length} rules passed`);
      for (const v of res.violations) console.log(`  - ${v.id}: ${v.help} (${v.nodes.length} nodes) ${v.nodes[0].target}`);
      failed += res.violations.length;
      await page.close();
    }
  }
} finally {
  await browser.close();
}
process.exit(failed ? 1 : 0);
