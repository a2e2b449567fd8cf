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
var KEY="buylink.inapp.dismissed";
function dismissed(){try{return localStorage.getItem(KEY)==="1"}catch(e){return false}}
var h=document.getElementById("inapp");
if(h&&!dismissed()&&/musical_ly|BytedanceWebview|TikTok/i.test(navigator.userAgent)){
h.hidden=false;
var x=document.getElementById("inapp-close");
if(x)x.addEventListener("click",function(){h.hidden=true;try{localStorage.setItem(KEY,"1")}catch(e){}});
}
var m=document.getElementById("main"),shop=m&&m.getAttribute("data-shop");
if(shop&&window.fetch){
var v={handle:shop},vid=m.getAttribute("data-video");if(vid)v.videoId=vid;
var send=function(){fetch("/api/views",{method:"POST",keepalive:true,credentials:"omit",headers:{"Content-Type":"application/json"},body:JSON.stringify(v)}).catch(function(){})};
if(document.prerendering){document.addEventListener("prerenderingchange",send,{once:true})}else{send()}
}
})();
