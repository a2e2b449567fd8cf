"use strict";
(function(){
var toast=document.getElementById("toast");
function say(m){if(!toast)return;toast.textContent=m;clearTimeout(say.t);say.t=setTimeout(function(){toast.textContent=""},2500)}
function fallback(text){var t=document.createElement("textarea");t.value=text;t.setAttribute("readonly","");t.className="sr";document.body.appendChild(t);t.select();var ok=false;try{ok=document.execCommand("copy")}catch(e){}t.remove();return ok}
document.addEventListener("click",function(e){
var b=e.target.closest("button.copy");if(!b)return;var code=b.getAttribute("data-code");
var done=function(ok){b.textContent=ok?"Copied":"Copy failed";say(ok?"Code "+code+" copied":"Select the code to copy it");setTimeout(function(){b.textContent="Copy"},2000)};
if(navigator.clipboard&&window.isSecureContext){navigator.clipboard.writeText(code).then(function(){done(true)},function(){done(fallback(code))})}else{done(fallback(code))}
});
if(/musical_ly|BytedanceWebview|TikTok/i.test(navigator.userAgent)){var h=document.getElementById("inapp");if(h)h.hidden=false}
})();
